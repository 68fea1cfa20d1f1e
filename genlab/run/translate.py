"""`genlab translate ckpt=PATH input=DIR|FILE [out=DIR] [direction=AtoB|BtoA]`: the user's own
images through a translator checkpoint (`Translates`), one PNG out per image in, under the same
relative path, with a progress bar.

Every input is checked before the first is translated — its colour mode against the model's
source channels, its size against the source size the model was trained on (`resize=true` brings
other sizes to it) — so a bad file is one line naming it and the fix, and nothing is half
written. The arguments are checked before torch is imported: a mistyped path answers at once.
"""

import sys
from pathlib import Path

import hydra
from omegaconf import DictConfig

from genlab.errors import GenlabError
from genlab.run.launch import run_app
from genlab.run.user_errors import exit_on_user_error

DIRECTIONS = ("AtoB", "BtoA")
CHANNELS = {"1": 1, "L": 1, "LA": 1, "I": 1, "I;16": 1, "F": 1, "RGB": 3, "RGBA": 3, "P": 3, "CMYK": 3, "YCbCr": 3}


def check_arguments(cfg: DictConfig) -> tuple[Path, Path]:
    """(checkpoint, input), refused in one line before anything heavy is loaded."""
    if cfg.ckpt is None:
        raise GenlabError("genlab translate needs ckpt=PATH (a translator's .ckpt written by `genlab train`)")
    if cfg.input is None:
        raise GenlabError("genlab translate needs input=DIR or input=FILE (the images to translate)")
    if cfg.direction not in DIRECTIONS:
        raise GenlabError(f"direction={cfg.direction}: use AtoB or BtoA")
    if cfg.batch_size < 1:
        raise GenlabError(f"batch_size={cfg.batch_size} must be a positive whole number")
    source = Path(cfg.input).expanduser()
    if not source.exists():
        raise GenlabError(f"input={cfg.input}: no such file or folder")
    return Path(cfg.ckpt).expanduser(), source


def inputs(source: Path) -> list[tuple[Path, Path]]:
    """(file, its path relative to the input) for every image: the input itself, or its folder's."""
    from genlab.data.image_folder import EXTENSIONS, image_files

    if source.is_file():
        if source.suffix.lower() not in EXTENSIONS:
            raise GenlabError(f"input={source} is not an image file ({', '.join(EXTENSIONS)})")
        return [(source, Path(source.name))]
    files = image_files(source)
    if not files:
        raise GenlabError(f"input={source} holds no image files ({', '.join(EXTENSIONS)})")
    return [(path, path.relative_to(source)) for path in files]


def check_image(path: Path, shape: tuple[int, ...], resize: bool) -> None:
    """Refuse, naming the file and the fix, an image the network cannot take."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            mode, (width, height) = image.mode, image.size
    except (OSError, SyntaxError, ValueError) as exc:
        raise GenlabError(f"input {path} cannot be decoded ({exc}); remove or replace it") from None
    channels, side = shape[0], shape[1:]
    kind = {1: "grey", 3: "RGB"}
    if CHANNELS.get(mode, 3) != channels:
        raise GenlabError(
            f"input {path} is a {kind[CHANNELS.get(mode, 3)]} image ({mode}) but the model translates "
            f"{kind.get(channels, channels)} images ({channels} channel{'s' * (channels > 1)}); convert it first"
        )
    if (height, width) != tuple(side) and not resize:
        raise GenlabError(
            f"input {path} is {width}×{height} but the model was trained on {side[1]}×{side[0]} images; "
            "resize it, or pass resize=true to have genlab resize every input"
        )


def write_translations(model, files: list[tuple[Path, Path]], out: Path, direction: str, batch_size: int) -> None:
    """One PNG per input under `out`, at the input's relative path, `batch_size` images a pass."""
    import torch
    from torchvision.transforms import v2
    from torchvision.utils import save_image
    from tqdm import tqdm

    from genlab.data.image_folder import decode_image

    shape = model.source_shape if direction == "AtoB" else model.data_shape
    mode = "L" if shape[0] == 1 else "RGB"
    steps = [v2.PILToTensor(), v2.Resize(tuple(shape[1:]), antialias=True), v2.ToDtype(torch.float32, True)]
    to_tensor = v2.Compose(steps)
    with tqdm(total=len(files), desc="genlab translate", unit="image", file=sys.stderr) as progress:
        for start in range(0, len(files), batch_size):
            batch = files[start : start + batch_size]
            x = torch.stack([to_tensor(decode_image(path, mode)) for path, _ in batch])
            with torch.no_grad():
                y = model.translate(x, direction).cpu()
            for image, (_, relative) in zip(y, batch, strict=True):
                target = (out / relative).with_suffix(".png")
                target.parent.mkdir(parents=True, exist_ok=True)
                save_image(image, target)
            progress.update(len(batch))


def translate(cfg: DictConfig) -> Path:
    ckpt, source = check_arguments(cfg)
    files = inputs(source)

    from genlab.checkpoint import derived_path, read_checkpoint, rebuild_model
    from genlab.models.base import require
    from genlab.models.capabilities import Translates
    from genlab.run.evaluate import pick_device

    model = rebuild_model(read_checkpoint(ckpt, trust=cfg.trust_config))
    require(model, Translates, "translations (genlab translate)")
    model.check_direction(cfg.direction)
    shape = model.source_shape if cfg.direction == "AtoB" else model.data_shape
    for path, _ in files:
        check_image(path, shape, cfg.resize)
    name = f"{source.stem if source.is_file() else source.name}_{cfg.direction}"
    out = Path(cfg.out).expanduser() if cfg.out else derived_path(ckpt, "translations", name)
    write_translations(model.to(pick_device(cfg.device)).eval(), files, out, cfg.direction, cfg.batch_size)
    print(out)
    return out


@hydra.main(version_base="1.3", config_path="pkg://genlab.configs", config_name="translate")
def hydra_main(cfg: DictConfig) -> None:
    with exit_on_user_error():
        translate(cfg)


def run(args: list[str]) -> int:
    return run_app(hydra_main, args)
