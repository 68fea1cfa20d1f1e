"""InfoGAN (Chen et al., 2016): the standard game with InfoGAN's codes (`InfoCodes`), declaring
that its codes can be set by hand (`HasCodes`) so `genlab explore what=codes` can sweep them.

Training is exactly the GAN module's; only the capability is added, so the class refuses any
conditioning but InfoCodes rather than claim codes it does not have.
"""

from typing import Any

from torch import Tensor

from genlab.errors import GenlabError
from genlab.models.adversarial.codes import CodeSample
from genlab.models.adversarial.conditioning import Condition, Conditioning, InfoCodes
from genlab.models.adversarial.gan import GAN
from genlab.models.capabilities import HasCodes


class InfoGAN(GAN, HasCodes):
    def __init__(self, *args: Any, conditioning: Conditioning | None = None, **kwargs: Any) -> None:
        if not isinstance(conditioning, InfoCodes):
            raise GenlabError(
                f"model=infogan needs model/conditioning=info_codes, not {type(conditioning).__name__}; "
                "for other conditioning use model=gan (or dcgan) with that conditioning"
            )
        super().__init__(*args, conditioning=conditioning, **kwargs)
        self.categorical_codes = conditioning.codes.categorical
        self.continuous_codes = conditioning.codes.continuous

    def decode_codes(self, z: Tensor, categorical: Tensor, continuous: Tensor) -> Tensor:
        device = self.device
        condition = Condition(codes=CodeSample(categorical.to(device), continuous.to(device)))
        return self.to_data_space(self._fake(z.to(device), condition, self.sampling_generator()))
