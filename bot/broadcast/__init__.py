"""Admin broadcasts to subscribers: audiences, the durable sender, progress.

- Pacing is the Bot's one outbound limiter (`bot/pacing.py`): the broadcast takes only what the
  bot's replies leave of the configured rate, so people answering questions are never held up
  by a broadcast (python-telegram-bot's AIORateLimiter would pause them too).
- `sender.py`: the background task that fills a job's recipients from its audience and sends,
  recording each recipient as `sending` before the request and `sent` after.
- `views.py`: the admin's screens (preview, progress, job list) as HTML and keyboards.
- `admins.py`: who is a bot admin (owners from BOT_ADMIN_IDS plus the admins they added).
"""

BROADCAST_KEY = "broadcast_sender"
