"""GAN objectives as pairs of pure functions on discriminator outputs (logits / critic values).

Every objective is `(discriminator_loss, generator_loss)`, both taking the discriminator's
outputs on real and on generated data, so that relativistic objectives (which compare the two)
have the same signature as the rest. Losses are batch means, to be minimised.

    minimax            D: −log D(x) − log(1 − D(G(z)))     G: log(1 − D(G(z)))   (Goodfellow et al.)
    non_saturating     D: as minimax                        G: −log D(G(z))
    wasserstein        D: E[D(G(z))] − E[D(x)]              G: −E[D(G(z))]        (critic, no sigmoid)
    hinge              D: E[relu(1 − D(x))] + E[relu(1 + D(G(z)))]   G: −E[D(G(z))]
    least_squares      D: ½E[(D(x) − 1)²] + ½E[D(G(z))²]   G: ½E[(D(G(z)) − 1)²]  (Mao et al., a=0, b=c=1)
    relativistic       D: −log σ(D(x) − D(G(z)))            G: −log σ(D(G(z)) − D(x))   (RSGAN)
    relativistic_average  D: −log σ(D(x) − E D(G(z))) − log(1 − σ(D(G(z)) − E D(x)))  G: swapped (RaSGAN)

With σ the logistic function, −log σ(t) = softplus(−t) and −log(1 − σ(t)) = softplus(t).
`real_target` (one-sided label smoothing) replaces the target 1 of real data in the
cross-entropy objectives.
"""

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

Loss = Callable[..., Tensor]


def _bce_real(real: Tensor, target: Tensor | float = 1.0) -> Tensor:
    """Cross-entropy of logits `real` against (possibly smoothed) targets in [0, 1]."""
    return (target * F.softplus(-real) + (1 - target) * F.softplus(real)).mean()


def minimax_d(real: Tensor, fake: Tensor, real_target: Tensor | float = 1.0) -> Tensor:
    return _bce_real(real, real_target) + F.softplus(fake).mean()


def minimax_g(real: Tensor, fake: Tensor) -> Tensor:
    return -F.softplus(fake).mean()


def non_saturating_g(real: Tensor, fake: Tensor) -> Tensor:
    return F.softplus(-fake).mean()


def wasserstein_d(real: Tensor, fake: Tensor, real_target: Tensor | float = 1.0) -> Tensor:
    return fake.mean() - real.mean()


def critic_g(real: Tensor, fake: Tensor) -> Tensor:
    return -fake.mean()


def hinge_d(real: Tensor, fake: Tensor, real_target: Tensor | float = 1.0) -> Tensor:
    return F.relu(1 - real).mean() + F.relu(1 + fake).mean()


def least_squares_d(real: Tensor, fake: Tensor, real_target: Tensor | float = 1.0) -> Tensor:
    return 0.5 * ((real - real_target) ** 2).mean() + 0.5 * (fake**2).mean()


def least_squares_g(real: Tensor, fake: Tensor) -> Tensor:
    return 0.5 * ((fake - 1) ** 2).mean()


def relativistic_d(real: Tensor, fake: Tensor, real_target: Tensor | float = 1.0) -> Tensor:
    return _bce_real(real - fake, real_target)


def relativistic_g(real: Tensor, fake: Tensor) -> Tensor:
    return F.softplus(-(fake - real)).mean()


def relativistic_average_d(real: Tensor, fake: Tensor, real_target: Tensor | float = 1.0) -> Tensor:
    return _bce_real(real - fake.mean(), real_target) + F.softplus(fake - real.mean()).mean()


def relativistic_average_g(real: Tensor, fake: Tensor) -> Tensor:
    return F.softplus(-(fake - real.mean())).mean() + F.softplus(real - fake.mean()).mean()


def _unchanged(score: Tensor) -> Tensor:
    return score


@dataclass(frozen=True)
class Objective:
    discriminator: Loss
    generator: Loss
    needs_real_for_generator: bool = False  # relativistic objectives compare with D(x) in the G step
    # D's output above which it calls an input real (None: no absolute decision, e.g. a critic)
    decision_threshold: float | None = None
    # D's output → its estimate of p_data / (p_data + p_g), for objectives whose optimal D is that
    # ratio (None: a critic, hinge, relativistic: their optimum is another function of the densities)
    probability: Callable[[Tensor], Tensor] | None = None


OBJECTIVES = {
    "minimax": Objective(minimax_d, minimax_g, decision_threshold=0.0, probability=torch.sigmoid),
    "non_saturating": Objective(minimax_d, non_saturating_g, decision_threshold=0.0, probability=torch.sigmoid),
    "wasserstein": Objective(wasserstein_d, critic_g),
    "hinge": Objective(hinge_d, critic_g, decision_threshold=0.0),
    "least_squares": Objective(least_squares_d, least_squares_g, decision_threshold=0.5, probability=_unchanged),
    "relativistic": Objective(relativistic_d, relativistic_g, needs_real_for_generator=True),
    "relativistic_average": Objective(relativistic_average_d, relativistic_average_g, needs_real_for_generator=True),
}
