""" "Tell me if my result changes" (issue 14): kept answers re-evaluated when the rules change.

- A person opts in under a finished result (`handlers.py`): their answers are kept as the
  contract's profile JSON with the day they gave them, and a snapshot of the result shown
  (`rules.diff`). `/followup` shows it and stops it; `/forget` deletes it. This is apart from
  `/subscribe` (news for everyone who asks): `/unsubscribe` does not stop it.
- `service.py`: work done only by the broadcast sender's process (with several instances, the
  lease holder), when the sender is idle. When the catalogue's version is new, everyone's kept
  answers are evaluated as of today and compared; the admins get a preview (how many results
  change, scheme by scheme, one example each) and confirm or discard it. Once a day the same is
  done for the date alone (a closed IANG window, an age that may have passed a limit), and those
  notices go out without a preview. Notices are recipients of a `personal` broadcast job: paced,
  sent at most once, each with its own text, in the person's language.
- `notices.py`: the texts (person's notice, admin's preview).
"""
