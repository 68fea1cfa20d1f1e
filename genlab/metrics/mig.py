"""Mutual information gap (MIG; Chen et al., "Isolating Sources of Disentanglement in VAEs", 2018):
for each known generative factor v_k, the gap between the two latents that carry the most
information about it, I(z_j; v_k), normalised by the factor's entropy H(v_k), averaged over the
factors. 1: each factor lives in one latent alone; 0: it is spread evenly (or not encoded).

The mutual information is estimated as disentanglement_lib does: each latent's encoder means cut
into `bins` equal-width histogram bins, scikit-learn's `mutual_info_score` against the factor's
discrete values (nats). A factor with one value (entropy 0) carries nothing to find and is skipped.
"""

import numpy as np
from sklearn.metrics import mutual_info_score

from genlab.errors import GenlabError


def discretised(codes: np.ndarray, bins: int) -> np.ndarray:
    """Each column of (N, D) codes as integer bin indices over its own range."""
    columns = []
    for column in codes.T:
        edges = np.histogram_bin_edges(column, bins=bins)
        columns.append(np.digitize(column, edges[1:-1]))
    return np.stack(columns, axis=1)


def mutual_information_gap(codes: np.ndarray, factors: np.ndarray, bins: int = 20) -> dict:
    """{"mig": the mean gap, "factors": [{factor, gap, entropy, best_latent, informations}, …]}
    for (N, D) codes and (N,) or (N, K) discrete factor values."""
    factors = factors.reshape(len(factors), -1)
    if codes.shape[1] < 2:
        raise GenlabError(f"MIG compares the two most informative latents; this model has {codes.shape[1]} latent")
    binned = discretised(codes, bins)
    rows = []
    for k, factor in enumerate(factors.T):
        entropy = mutual_info_score(factor, factor)
        if entropy <= 0:
            continue
        informations = np.array([mutual_info_score(factor, latent) for latent in binned.T])
        top = np.sort(informations)[::-1]
        rows.append(
            {
                "factor": k,
                "gap": float((top[0] - top[1]) / entropy),
                "entropy": float(entropy),
                "best_latent": int(informations.argmax()),
                "informations": [round(float(i), 6) for i in informations],
            }
        )
    if not rows:
        raise GenlabError("every factor of these labels takes one value, so MIG has nothing to measure")
    return {"mig": float(np.mean([row["gap"] for row in rows])), "factors": rows}
