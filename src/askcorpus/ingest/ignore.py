"""Include/exclude rules of a corpus: a ``.askcorpusignore`` file at the corpus root, in
gitignore syntax (read with the ``pathspec`` library's gitignore semantics).

Discovery (:func:`askcorpus.ingest.discover.discover`) asks :meth:`IgnoreRules.excluding` of every
folder and supported file it meets; an excluded folder is not walked (as in git, a file below
an excluded folder cannot be re-included by a ``!`` rule). What was excluded is reported apart
from the skipped files, each with the rule (and its line) that excluded it, so the coverage view
can say why a file is not in the index.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from askcorpus.errors import CorpusError

log = logging.getLogger(__name__)

#: The rules file, at the corpus root.
IGNORE_FILE = ".askcorpusignore"
# A rules file larger than this is not a rules file (and would slow every discovery down).
MAX_RULES_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule of the rules file: its text as written and its 1-based line number."""

    line: int
    text: str


class IgnoreRules:
    """The rules of one corpus; empty (excluding nothing) when it has no rules file."""

    def __init__(self, rules: tuple[Rule, ...] = ()):
        # pathspec is imported here, not with the module: the window names IGNORE_FILE at
        # start-up, before any rule is read.
        import pathspec
        from pathspec.patterns.gitwildmatch import GitWildMatchPatternError

        self.rules = rules
        try:
            self._spec = pathspec.GitIgnoreSpec.from_lines([r.text for r in rules])
        except (GitWildMatchPatternError, ValueError) as exc:
            raise CorpusError(
                f"{IGNORE_FILE} has a rule that is not gitignore syntax: {exc}",
                None,
                f"fix or remove that line of {IGNORE_FILE}",
            ) from exc

    def __bool__(self) -> bool:
        return bool(self.rules)

    @classmethod
    def parse(cls, text: str) -> IgnoreRules:
        """Rules from the text of a rules file (blank lines and ``#`` comments skipped)."""
        rules = []
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip() and not line.startswith("#"):
                rules.append(Rule(number, line))
        return cls(tuple(rules))

    @classmethod
    def load(cls, root: Path) -> IgnoreRules:
        """The rules of the corpus at ``root``; a :class:`CorpusError` (naming the file) when
        its rules file cannot be read or holds a line that is not gitignore syntax."""
        path = root / IGNORE_FILE
        try:
            if path.stat().st_size > MAX_RULES_BYTES:
                raise CorpusError(
                    f"{path} is larger than {MAX_RULES_BYTES // 1024} KB",
                    path,
                    "keep only the include/exclude rules in it",
                )
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            return cls()
        except UnicodeDecodeError as exc:
            raise CorpusError(f"{path} is not UTF-8 text", path, "save it as UTF-8") from exc
        except OSError as exc:
            raise CorpusError(f"cannot read {path}: {exc.strerror}", path) from exc
        try:
            rules = cls.parse(text)
        except CorpusError as exc:
            raise CorpusError(exc.message, path, exc.hint) from exc
        log.info("%s: %d rules", path, len(rules.rules))
        return rules

    def excluding(self, source: str, folder: bool = False) -> Rule | None:
        """The rule that excludes ``source`` (a POSIX path relative to the corpus; ``folder``
        for a folder), or None when no rule does (or the last matching one is a ``!`` rule)."""
        if not self.rules:
            return None
        result = self._spec.check_file(source + "/" if folder else source)
        if not result.include or result.index is None:
            return None
        return self.rules[result.index]
