"""The questionnaire: which questions to ask, in what order, and what the answers mean.

No Telegram here. Questions are data (`questions.yaml`, wording in three languages, relevance
conditions written in the data); one `transitions` state machine is built from them; a person's
progress is a small JSON-serialisable `Session`. Adapters (the Telegram bot, the terminal chat)
render `Step`s and pass button presses and typed text back.

Public API (stable; everything else is internal):

    flow = QuestionFlow.default()              # load once per process (cached); immutable
    session = flow.new_session(lang)           # "en" | "zh-hant" | "zh-hans" (or a Telegram code)
    step = flow.step(session) -> Step          # what to show now
        step.kind          "question" | "summary" | "result"
        step.state         question id, "summary" or "result"
        step.revision      session revision (put it in callback data to spot stale buttons)
        step.prompt        the question's prompt, word for word as in `python -m dialogs export`
        step.hint          extra help or None
        step.progress      (index, total): "question 4 of about 9"; step.progress_text renders it
        step.buttons       tuple[Button(key, label)] in display order
        step.selected      key of the answer already given (after back/change), else None
        step.current       label of that answer, else None
        step.can_go_back   whether `back` would move
        step.question      the `Question` (id, field, kind, options, bands...) or None
    reply = flow.answer(session, key=KEY)      # a button press (also "result" at the summary,
                                               # "summary"/"restart" at the result)
    reply = flow.answer(session, text=TEXT)    # typed text: amounts, dates, country or
                                               # university names, "not sure", ...
        reply.accepted     True: reply.session is the new session (revision + 1)
                           False: reply.session is the old one, reply.message says why in the
                           user's language; re-show the step
        reply.message      also set on success for confirmations ("Nationality: Vietnam.")
        reply.buttons      extra choices to offer with the message (several countries match;
                           yes/no/not sure after a university look-up); their keys go to
                           `answer(key=...)` like any other
        reply.answered     the question answered (None when refused, or at the summary/result)
        reply.state        where the session is now: question id, "summary" or "result"
        reply.finished     this answer reached the result
        reply.step         the step to show now (computed once, when read)
        reply.evaluation   when finished, the rules' evaluation (computed once, when read)
    flow.back(session) -> Session              # previous question, its answer kept and preselected
    flow.change(session, question_id) -> Session   # jump to an answered question (ValueError if
                                               # it is not on the person's path)
    flow.restart(session) -> Session           # forget the answers, keep the language
    flow.set_language(session, lang) -> Session
    flow.summary(session) -> list[SummaryRow(question_id, label, answer)]
    flow.profile(session) -> rules.Profile     # unknowns stay None; bands give their lower edge
    flow.result(session) -> rules.results.Evaluation   # rules.evaluate_profile in session.lang
    flow.evaluated(session) -> (Profile, Evaluation)  # both at once; one evaluation per
                                               # session object (and per set of answers)
    flow.export() -> dict                      # the contract's export JSON
    flow.provisional(session) -> Provisional   # "see my result now" (step.can_see_now): the
                                               # evaluation so far and, per possible scheme, the
                                               # question that would settle it; changes nothing
    flow.jump(session, question_id) -> Session # answer just that question, then go on from the
                                               # first one still unanswered
    Session.to_json() / Session.from_json(s)   # storage form, < 2 KB

Button keys are short ASCII: option index ("0", "1", ...), band ("b0", "b1", ...), "type"
(ask for an exact amount), country ("c:VN"), "other" (type a country), "result", "summary",
"restart". Suggested Telegram callback data: f"a:{step.state}:{step.revision}:{key}" for answers
and f"c:{question_id}:{revision}" for summary "change" buttons — at most ~40 bytes. On a press
whose state or revision differs from `flow.step(session)`, treat the button as stale: show the
current step again (the `error_stale` text exists for this).

Modules: `kinds` (one class per question kind: parse, validate, buttons, label), `machine`
(the shared transitions Machine), `routing` (replay and every move), `progress`, `views` (the
data above), `export`, `session`; `flow` is the facade over them.

Threads: a flow attaches a cursor to its one machine for the length of a call and detaches it
before returning (no awaits in between), so any number of asyncio tasks may share it; it is not
meant to be called from several OS threads at once.

Sessions: `answers` (question id -> value: option value, band id, number, ISO date, or null for
"not sure") is the source of truth; the current state is derived by replaying them through the
machine, and cached in `state` so that a normal step fires one trigger. Changing an early answer
keeps later answers that are still relevant and drops those that are not.
"""

from dialogs.flow import Button, Provisional, QuestionFlow, Reply, Session, Settle, Step, SummaryRow
from dialogs.questions import DataError, Question

__all__ = [
    "Button",
    "DataError",
    "Provisional",
    "Question",
    "QuestionFlow",
    "Reply",
    "Session",
    "Settle",
    "Step",
    "SummaryRow",
]
