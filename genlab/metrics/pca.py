"""The linear baseline every autoencoder should beat: PCA with the same number of components."""

import numpy as np
from sklearn.decomposition import PCA


def pca_reconstruction_errors(train: np.ndarray, test: np.ndarray, n_components: int) -> np.ndarray:
    """Squared error, summed over each example of `test`, of its reconstruction from its projection
    on `train`'s top components (anomaly detection's baseline score)."""
    train, test = train.reshape(len(train), -1), test.reshape(len(test), -1)
    k = min(n_components, *train.shape)
    # randomised SVD for the few top components: the same MSE to 6 digits on the digits, 5× faster
    # than the full SVD that was a one-off 0.3 s of every autoencoder run
    pca = PCA(n_components=k, svd_solver="randomized", random_state=0).fit(train)
    recon = pca.inverse_transform(pca.transform(test))
    return ((recon - test) ** 2).sum(axis=1)


def pca_reconstruction_mse(train: np.ndarray, val: np.ndarray, n_components: int) -> float:
    """Per-value MSE of reconstructing `val` from its projection on `train`'s top components."""
    return float(pca_reconstruction_errors(train, val, n_components).mean() / val[0].size)
