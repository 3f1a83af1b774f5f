"""The model behind "not in this corpus": its features, the logistic :class:`Model` over them,
its fit, and the shipped calibration (``absence_model.json``, fitted by ``bench/absence.py`` on
public data only; docs/quality.md). :mod:`askcorpus.search.absence_evidence` computes the
features of a question, :mod:`askcorpus.search.absence` decides with them.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from importlib import resources

import numpy as np

from askcorpus.settings import MODEL_NAME, MULTILINGUAL

FEATURES = (
    "dense_top",
    "dense_margin",
    "cover_top",
    "cover_best",
    "cover_corpus_idf",
    "absent_share",
    "absent_max",
    "absent_specific",
    "agree",
    "ablation_gain",
    "absent_plain_max",
    "key_together",
)
# A word at least this specific in general text (or a name, or a number) is one of the


@dataclass(frozen=True, slots=True)
class Evidence:
    """The features of one question against one corpus, plus the terms found nowhere."""

    values: tuple[float, ...]
    absent_terms: tuple[str, ...]

    def as_dict(self) -> dict[str, float]:
        """Feature name to value (for the calibration script and debugging)."""
        return dict(zip(FEATURES, self.values, strict=True))


@dataclass(frozen=True, slots=True)
class Model:
    """A logistic model over standardised :data:`FEATURES`."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float

    def probability(self, evidence: Evidence) -> float:
        """P(answered) for ``evidence``."""
        x = (np.asarray(evidence.values) - np.asarray(self.mean)) / np.asarray(self.scale)
        z = float(x @ np.asarray(self.coef)) + self.intercept
        return 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))

    def to_json(self) -> str:
        """The model as the JSON the package ships."""
        return json.dumps(
            {
                "features": list(FEATURES),
                "mean": list(self.mean),
                "scale": list(self.scale),
                "coef": list(self.coef),
                "intercept": self.intercept,
            },
            indent=1,
        )

    def to_mapping(self, probes: int) -> dict[str, float]:
        """The model as the flat name-to-number mapping an index manifest stores
        (``Manifest.absence_calibration``), with the number of probes it was fitted on."""
        out = {"probes": float(probes), "intercept": self.intercept}
        for name, m, s, c in zip(FEATURES, self.mean, self.scale, self.coef, strict=True):
            out |= {f"mean.{name}": m, f"scale.{name}": s, f"coef.{name}": c}
        return out

    @classmethod
    def from_mapping(cls, data: dict[str, float]) -> Model | None:
        """The model of :meth:`to_mapping`; None when ``data`` is empty or was fitted on other
        features (an index calibrated by another version: the default model applies)."""
        try:
            return cls(
                tuple(data[f"mean.{n}"] for n in FEATURES),
                tuple(data[f"scale.{n}"] for n in FEATURES),
                tuple(data[f"coef.{n}"] for n in FEATURES),
                data["intercept"],
            )
        except KeyError:
            return None

    @classmethod
    def from_json(cls, text: str) -> Model:
        """Read a model written by :meth:`to_json` (features must match this version)."""
        data = json.loads(text)
        if tuple(data["features"]) != FEATURES:
            raise ValueError("absence model was fitted on other features")
        return cls(
            tuple(data["mean"]), tuple(data["scale"]), tuple(data["coef"]), data["intercept"]
        )


def fit(x: np.ndarray, y: np.ndarray, l2: float = 1.0, prior: Model | None = None) -> Model:
    """Fit a :class:`Model` to feature rows ``x`` and labels ``y`` (1 = answered): logistic
    regression with an L2 penalty, by Newton steps, the two classes weighted equally (so the
    probability is calibrated for a balanced mix of answerable and unanswerable questions).

    With a ``prior`` (the default model) the fit keeps its standardisation and pulls the
    weights towards the prior's instead of towards zero (the intercept too, ten times more
    loosely): a few dozen probes of one corpus then move the model only where they disagree
    with it (:mod:`askcorpus.search.calibration`).
    """
    if prior is None:
        mean, scale = x.mean(0), x.std(0) + 1e-6
        beta0 = np.zeros(x.shape[1] + 1)
    else:
        mean, scale = np.asarray(prior.mean), np.asarray(prior.scale)
        beta0 = np.array([*prior.coef, prior.intercept])
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    w = np.where(y == 1, 0.5 / y.mean(), 0.5 / (1 - y.mean()))
    beta = beta0.copy()
    reg = np.full(z.shape[1], l2)
    reg[-1] = 0.0 if prior is None else l2 / 10
    for _ in range(50):
        p = 1 / (1 + np.exp(-z @ beta))
        grad = z.T @ (w * (p - y)) + reg * (beta - beta0)
        hess = (z * (w * p * (1 - p))[:, None]).T @ z + np.diag(reg)
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return Model(tuple(mean), tuple(scale), tuple(beta[:-1]), float(beta[-1]))


#: The shipped calibration of each model's indexes, fitted the same way on the same public data
#: with that model's vectors (``python -m bench.absence fit [--encoder …]``): a model's cosines
#: have their own scale (multilingual-e5-small's unrelated texts score ~0.7, MiniLM's ~0.1).
DEFAULT_FILES = {
    MODEL_NAME: "absence_model.json",
    MULTILINGUAL: "absence_model_multilingual.json",
}


@functools.cache
def default_model() -> Model:
    """The shipped calibration of the bundled model's indexes (public data; see the module
    docstring)."""
    model = default_model_for(MODEL_NAME)
    if model is None:  # the file ships with the package
        raise FileNotFoundError(DEFAULT_FILES[MODEL_NAME])
    return model


@functools.cache
def default_model_for(model: str) -> Model | None:
    """The shipped calibration of ``model``'s indexes, or None when none was fitted for it."""
    name = DEFAULT_FILES.get(model)
    if name is None:
        return None
    resource = resources.files("askcorpus.search").joinpath(name)
    if not resource.is_file():
        return None
    return Model.from_json(resource.read_text("utf-8"))
