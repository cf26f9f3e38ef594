"""The predictions-file draft for extracted candidates: the structure `import` reads, and
its YAML with a comment on every value a person must check before importing it."""

from __future__ import annotations

from datetime import date
from typing import Any, Iterable

from predtrack.values import slug_words
from predtrack.article_text import Article
from predtrack.extract import CLAIM_STOPWORDS, Candidate


def slugify(text: str, taken: set[str] | None = None, max_words: int = 7) -> str:
    """A short id for a drafted claim, unique within `taken`: the words of `values.slug_words`
    without stopwords, since a draft's claim is often a long sentence."""
    words = [w for w in slug_words(text) if w not in CLAIM_STOPWORDS]
    slug = "-".join(words[:max_words]) or "forecast"
    if taken is not None:
        base, n = slug, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        taken.add(slug)
    return slug


def draft(article: Article, candidates: list[Candidate], published: date) -> dict[str, Any]:
    """The predictions-file structure for the candidates.

    `_notes` (dropped when written) maps each field a person must check to why: a guessed
    source, a vague or missing deadline, the plain-assertion probability, the draft claim.
    """
    from predtrack.likelihood import ASSERTION_DEFAULT

    taken: set[str] = set()
    predictions = []
    for candidate in candidates:
        notes: dict[str, str] = {"claim": "guessed: drafted from the sentence", "criteria": "draft: a person must write this"}
        forecast_notes: dict[str, str] = {"source_kind": "guessed"}
        probability = candidate.probability
        kind = candidate.probability_kind
        words = candidate.probability_text
        if probability is None:
            probability = float(ASSERTION_DEFAULT)
            kind = "inferred"
            words = next((c for c in candidate.cues if c not in {"future deadline", "vague horizon", "heading"}), None)
            forecast_notes["probability"] = "guessed: no probability words, plain-assertion default"
        if candidate.deadline is None:
            notes["deadline_date"] = "no deadline stated: choose one and say why in the criteria"
        elif candidate.vague:
            notes["deadline_date"] = f"guessed: '{candidate.deadline_text}' is vague"
        if candidate.source_guessed:
            forecast_notes["source"] = "guessed: the sentence names no source"
        forecast: dict[str, Any] = {
            "source": candidate.source,
            "source_kind": candidate.source_kind if candidate.source_kind in {"person", "organisation", "outlet"} else "outlet",
            "probability": probability,
            "kind": kind,
        }
        if kind == "inferred":
            forecast["words"] = words
        forecast["stated"] = candidate.stated
        forecast["quote"] = candidate.sentence
        predictions.append(
            {
                "id": slugify(candidate.claim, taken),
                "claim": candidate.claim,
                "criteria": "TODO: what counts as YES, and where to check it",
                "deadline": candidate.deadline_text,
                "deadline_date": candidate.deadline,
                "tags": [],
                "forecasts": [forecast],
                "_notes": notes,
                "_forecast_notes": forecast_notes,
            }
        )
    return {
        "article": {
            "title": article.title,
            "outlet": article.outlet,
            "author": article.author,
            "published": published,
            "url": article.url,
            "seed": None,
        },
        "predictions": predictions,
    }


def render_yaml(data: dict[str, Any], header: str | None = None) -> str:
    """The draft as YAML, with a `# guessed` (or `# draft`) comment on every value a person
    must check. Nulls are written `null` so that an empty field reads as a decision."""
    import io

    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    def mapping(items: Iterable[tuple[str, Any]], notes: dict[str, str] | None = None) -> CommentedMap:
        result = CommentedMap()
        for key, value in items:
            result[key] = value
        for key, note in (notes or {}).items():
            if key in result:
                result.yaml_add_eol_comment(note, key)
        return result

    root = CommentedMap()
    root["article"] = mapping(data["article"].items())
    if header:
        root.yaml_set_start_comment(header)
    predictions = CommentedSeq()
    for prediction in data["predictions"]:
        forecasts = CommentedSeq(mapping(f.items(), prediction.get("_forecast_notes")) for f in prediction["forecasts"])
        fields = [(k, v) for k, v in prediction.items() if not k.startswith("_") and k not in {"forecasts", "tags"}]
        tags = CommentedSeq(prediction.get("tags") or [])
        tags.fa.set_flow_style()
        p = mapping([*fields, ("tags", tags), ("forecasts", forecasts)], prediction.get("_notes"))
        predictions.append(p)
    root["predictions"] = predictions
    yaml = YAML()
    yaml.default_flow_style = False
    yaml.width = 4096  # one quote, one line: easier to diff and to search for
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.representer.ignore_aliases = lambda *_args: True
    yaml.representer.add_representer(type(None), lambda representer, _value: representer.represent_scalar("tag:yaml.org,2002:null", "null"))
    out = io.StringIO()
    yaml.dump(root, out)
    return out.getvalue()
