"""What a style-based generator's W space allows (pure functions on tensors; `genlab explore`
draws the pictures): truncation with a per-layer cut-off, style mixing over named layer ranges,
SeFa's closed-form directions, and a linear attribute boundary to walk along.

Layer ranges: the style inputs ws[:, 0 … num_ws−1] run from the 4×4 constant to full resolution.
`coarse`, `middle` and `fine` are the first, second and last third of them (for 1024 px the
papers' split is 4–8 px, 16–32 px, 64–1024 px, i.e. 4 + 4 + 10 inputs; on small generators thirds
keep all three non-empty); `a-b` names inputs a to b inclusive.
"""

import torch
from torch import Tensor

from genlab.errors import GenlabError

RANGE_NAMES = ("coarse", "middle", "fine")


def style_range(spec: str, num_ws: int) -> range:
    """The style inputs a range name (`coarse`, `middle`, `fine`) or `a-b` covers."""
    if spec in RANGE_NAMES:
        cuts = [round(num_ws * k / 3) for k in range(4)]
        i = RANGE_NAMES.index(spec)
        return range(cuts[i], cuts[i + 1])
    first, sep, last = str(spec).partition("-")
    if sep and first.isdigit() and last.isdigit() and int(first) <= int(last) < num_ws:
        return range(int(first), int(last) + 1)
    raise GenlabError(
        f"layers={spec!r}: use coarse, middle, fine or a-b with 0 ≤ a ≤ b < {num_ws} (this generator's style inputs)"
    )


def truncate_styles(ws: Tensor, w_avg: Tensor, psi: float, cutoff: int | None = None) -> Tensor:
    """w̄ + ψ·(w − w̄) on the style inputs below `cutoff` (all of them when None); ψ < 0 walks past w̄."""
    layers = torch.arange(ws.shape[1], device=ws.device)
    pulled = (layers < (ws.shape[1] if cutoff is None else cutoff))[None, :, None]
    return torch.where(pulled, w_avg.lerp(ws, psi), ws)


def mix(destination: Tensor, source: Tensor, layers: range) -> Tensor:
    """`destination`'s styles with the inputs in `layers` taken from `source` (both (n, num_ws, w_dim))."""
    chosen = torch.zeros(destination.shape[1], dtype=torch.bool, device=destination.device)
    chosen[list(layers)] = True
    return torch.where(chosen[None, :, None], source, destination)


def sefa(style_weights: list[tuple[int, Tensor]], layers: range | None, k: int) -> tuple[Tensor, Tensor]:
    """SeFa (Shen & Zhou, 2021): the directions n in W that the style affines A stretch most,
    argmax ‖A n‖ over unit n, are the top eigenvectors of AᵀA (the right-singular vectors of A),
    A stacking the effective weights (equalised-LR gain included) of the chosen style inputs.
    Returns (k directions (k, w_dim), their eigenvalues), largest first.

    The authors' code also scales each row of A (one style) to unit norm. Measured on the digits
    preset after 200–1200 steps, that choice's top direction moved images less than the best of
    100 random directions, while the paper's plain argmax ‖A n‖ moved them 8–20 % more; genlab
    keeps the paper's formula."""
    chosen = [w for index, w in style_weights if layers is None or index in layers]
    if not chosen:
        raise GenlabError(f"SeFa: no style affine reads the inputs {layers}; choose other layers")
    a = torch.cat(chosen).detach().double()
    eigenvalues, eigenvectors = torch.linalg.eigh(a.T @ a)  # ascending
    if not 1 <= k <= len(eigenvalues):
        raise GenlabError(f"k={k}: SeFa finds 1 to {len(eigenvalues)} directions (the dimension of W)")
    return eigenvectors.T.flip(0)[:k].float(), eigenvalues.flip(0)[:k].float()


def walk(ws: Tensor, direction: Tensor, distances: Tensor, layers: range | None = None) -> Tensor:
    """Rows of styles: each sample's ws moved by d·direction on `layers` (all when None), for every d."""
    moved = torch.zeros(ws.shape[1], device=ws.device)
    moved[list(range(ws.shape[1]) if layers is None else layers)] = 1
    steps = distances.to(ws)[None, :, None, None] * moved[None, None, :, None] * direction.to(ws)
    return (ws[:, None] + steps).flatten(0, 1)


def linear_boundary(w: Tensor, has_attribute: Tensor) -> tuple[Tensor, float]:
    """InterFaceGAN's boundary (Shen et al., 2020): a linear classifier of the attribute fitted on
    w; returns its unit normal (pointing towards the attribute) and its training accuracy."""
    from sklearn.linear_model import LogisticRegression

    labels = has_attribute.cpu().numpy()
    if labels.all() or not labels.any():
        raise GenlabError(
            f"attribute editing: {int(labels.sum())} of {len(labels)} samples show the attribute; a boundary needs "
            "both kinds (draw more samples with fit_samples=…, or choose another attribute)"
        )
    x = w.detach().double().cpu().numpy()
    fitted = LogisticRegression(max_iter=2000).fit(x, labels)
    normal = torch.as_tensor(fitted.coef_[0], dtype=torch.float32)
    return normal / normal.norm(), float(fitted.score(x, labels))
