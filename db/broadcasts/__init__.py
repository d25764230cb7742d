"""Broadcasts' data (issue 6): who receives them, their delivery rows and their state.

- `audience`: filters (`topic:contests`, `province:nghe-an`…) and the reachable recipients;
- `formatting`: the message (**bold**, __italic__) as Telegram HTML or plain text, its limits;
- `outbox`: creating a broadcast's delivery rows, claiming them, recording outcomes;
- `control`: pause, resume, cancel; starting scheduled and closing finished broadcasts;
- `reporting`: one broadcast's status, the latest ones, the failures as CSV.

Sending (rate limits, the platforms, the worker loop) is in bot/broadcast. Nothing here imports
bot/: handlers may use these modules directly.
"""
