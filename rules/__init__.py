"""The domain: profiles, the scheme catalogue and the evaluator. Pure Python, no I/O at evaluation.

Public API (what `dialogs/` and `bot/` may import):
- `Profile`, `PROFILE_FIELDS`: the person, as the contract's profile JSON.
- `evaluate_profile(profile, lang="en") -> Evaluation`: every scheme and category, matches first.
- `fields_that_matter(profile) -> frozenset[str]`: profile fields whose answer could still change
  some scheme's status; the questionnaire skips questions whose fields are not in it.
- `load_catalogue() -> Catalogue`: the validated catalogue (cached).
- `Evaluation`, `SchemeResult`, ...: result models in `rules.results`.
"""
