"""Progress: "question 4 of about 9". The index is the number of questions answered on the way
here; the total adds an estimate of the questions still to come, which depends only on the
answers the relevance conditions read (and, with the rules skip, on the fields that still
matter), so it is cached by those."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from dialogs.conditions import Condition
from dialogs.machine import edges, literals
from dialogs.questions import AnswerValue
from dialogs.routing import Router, asks_for
from dialogs.session import Session


class Progress:
    """The estimate's data, computed once per flow; `estimate` per step."""

    def __init__(self, router: Router) -> None:
        questions = router.questions
        conditions = router.conditions
        index = router.index
        n = len(questions)
        # The checklist lines some condition reads: the estimate depends on those only.
        read_ids = set().union(*(c.reads for c in conditions.values()))
        self.lines_read: dict[str, tuple[str, ...]] = {
            q.id: tuple(o.id for o in q.checklist if o.id in read_ids)
            for q in questions
            if q.kind == "multi"
        }
        self.coarse = {
            q.id: frozenset(literals(q.id, questions)) for q in questions if q.picker == "country"
        }
        # A number read by conditions only matters through the thresholds they compare it
        # with: the estimate reads each such answer as the threshold at or below it.
        self.number_edges = {
            r: edges(r, questions)
            for r in router.reads
            if router.by_id[r].kind == "number" and not router.by_id[r].integer
        }
        self.reads_before = [tuple(r for r in router.reads if index[r] < p) for p in range(n + 1)]
        # For `remaining`: each read answer with the kind that converts it (None: stored as
        # its profile value) and, for a checklist, the kind that adds its lines.
        self._read_plan = [
            tuple(
                (
                    r,
                    None if r in router.plain else router.kinds[r],
                    router.multi.get(r),
                )
                for r in reads
            )
            for reads in self.reads_before
        ]
        self.always_after = [
            sum(1 for q in questions[p + 1 :] if q.id not in conditions) for p in range(n + 1)
        ]
        # Later conditional questions grouped by condition (several share one), so each
        # distinct condition is evaluated once per estimate.
        self.conditional_after: list[tuple[tuple[Condition, frozenset[str]], ...]] = []
        for p in range(n + 1):
            groups: dict[str, tuple[Condition, set[str]]] = {}
            for q in questions[p + 1 :]:
                if q.id in conditions:
                    cond = conditions[q.id]
                    groups.setdefault(cond.text, (cond, set()))[1].add(q.id)
            self.conditional_after.append(
                tuple((cond, frozenset(ids)) for cond, ids in groups.values())
            )
        self._router = router
        self._remaining = lru_cache(maxsize=4096)(self.count_remaining)

    def estimate(self, router: Router, session: Session, state: str) -> tuple[int, int]:
        """(index of the current question, estimated total) for a session at `state`.
        `router` may be an `evaluating_on` copy (its date decides what still matters)."""
        index_of = router.index
        pos = index_of.get(state, len(router.questions))
        answers = session.answers
        later = frozenset([k for k in answers if index_of.get(k, -1) > pos])
        index = 1 + len(answers) - len(later) - (state in answers)
        if not router.skip_by_rules:
            return index, index + self.remaining(answers, pos, later)
        try:
            values = router.values(answers, before=pos)
        except ValueError:
            matter = None
        else:
            matter = router.matter_of(values, pos)
        read = self.coarse_reads(router, answers, pos)
        return index, index + self._remaining(pos, read, later, matter)

    def remaining(self, answers: Mapping[str, AnswerValue], pos: int, later: frozenset[str]) -> int:
        """Without the rules skip: the questions still to come after position `pos`, the
        conditions of the later ones tested on the answers before it. A few look-ups per
        condition, cheaper than the cache key that would remember them (`count_remaining`
        gives the same count from `coarse_reads`)."""
        values: dict[str, Any] = {}
        for r, kind, multi in self._read_plan[pos]:
            v = answers.get(r)
            if multi is not None:  # `Router.put`: an unanswered checklist reads as none ticked
                values[r] = v
                values.update(multi.lines(v))
            elif kind is None or v is None:  # `Router.value_of`
                values[r] = v
            else:
                values[r] = kind.value_of(v)
        return self._count_after(pos, values, later)

    def _count_after(self, pos: int, values: Mapping[str, Any], later: frozenset[str]) -> int:
        """The questions after `pos` whose condition holds on `values`, plus those among
        `later` (already answered further on) whatever their condition says now."""
        count = self.always_after[pos]
        for cond, ids in self.conditional_after[pos]:
            if cond.test(values):
                count += len(ids)
            elif later:
                count += len(ids & later)
        return count

    def coarse_reads(
        self, router: Router, answers: Mapping[str, AnswerValue], pos: int
    ) -> tuple[AnswerValue, ...]:
        """The answers the conditions after `pos` read, each coarsened to a value that reads
        alike in every condition, so that `count_remaining`'s cache stays small and hot."""
        # Country answers only matter through the codes the conditions name (CN, LA, NP):
        # reading every other country as one value keeps the estimate's cache small and hot.
        read_values: list[AnswerValue] = []
        for r in self.reads_before[pos]:
            v = answers.get(r)
            if r in self.coarse and v is not None and v not in self.coarse[r]:
                v = "ZZ"  # a country the conditions do not name: all such read alike
            elif r in self.number_edges and v is not None:
                number = router.value_of(r, v)
                edges_ = self.number_edges[r]
                if isinstance(number, int | float) and number not in edges_:
                    # every value strictly between two edges compares alike with each of them:
                    # read it as the middle of its interval
                    under = [e for e in edges_ if e < number]
                    over = [e for e in edges_ if e > number]
                    lo = under[-1] if under else over[0] - 2
                    hi = over[0] if over else under[-1] + 2
                    v = (lo + hi) / 2
            elif r in router.multi and isinstance(v, str) and v:
                ticked = v.split(",")  # only the lines some condition reads
                v = ",".join(i for i in self.lines_read[r] if i in ticked)
            read_values.append(v)
        return tuple(read_values)

    def count_remaining(
        self,
        pos: int,
        read: tuple[AnswerValue, ...],
        later: frozenset[str],
        matter: frozenset[str] | None,
    ) -> int:
        """Questions still to come after position `pos`, given the read answers."""
        router = self._router
        reads = self.reads_before[pos]
        values: dict[str, Any] = {}
        for r, v in zip(reads, read, strict=True):
            if r in router.multi:
                router.put(values, r, v)
            else:
                values[r] = router.value_of(r, v)
        if matter is None:
            return self._count_after(pos, values, later)
        count = 0
        for q in router.questions[pos + 1 :]:
            cond = router.conditions.get(q.id)
            if q.id in later or ((cond is None or cond.test(values)) and asks_for(q, matter)):
                count += 1
        return count
