"""Linear separability of a latent space, the lecture's probe: for each labelled attribute (a
digit's class; each generative factor of `shapes`), a linear SVM fitted on the codes of training
images predicts the attribute of held-out images. An attribute that a linear map reads off the
code with high accuracy is explicitly represented there; chance is the majority-class share."""

import numpy as np
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC


def linear_separability(
    train_codes: np.ndarray, train_labels: np.ndarray, test_codes: np.ndarray, test_labels: np.ndarray, names
) -> dict[str, tuple[float, float]]:
    """{attribute: (held-out accuracy, chance)}; labels are (N,) or (N, attributes)."""
    train_labels = train_labels.reshape(len(train_labels), -1)
    test_labels = test_labels.reshape(len(test_labels), -1)
    results = {}
    for column, name in enumerate(names):
        y_train, y_test = train_labels[:, column], test_labels[:, column]
        probe = make_pipeline(StandardScaler(), LinearSVC(C=1.0, max_iter=5000))
        probe.fit(train_codes, y_train)
        chance = np.bincount(y_test).max() / len(y_test)
        results[name] = (float(probe.score(test_codes, y_test)), float(chance))
    return results
