"""The officer console under /console: server-rendered pages (aiohttp-jinja2) on the bot's own
web app, for leaders, officers and admins, who sign in with a one-time link the bot sends
(/dangnhap) or an admin prints (`cdsbot console login-link`).

    pages.py      the console sub-application: templates, language, the session and CSRF
                  checks every request passes, security headers
    signin.py     the link's confirm page, sign-in, sign-out (here and everywhere)
    overview.py   the home page and the audit log
    inbox.py      the questions inbox: groups, set aside, add to an entry
    phrasings.py  the questions added to entries, with their undo
    reports.py    visit reports and their downloads, in /baocao's scopes
    report_scope.py  the reports' scope picker, checked within the person's area
    teams.py      teams, their members and invite codes (printable, with QR codes)
    content.py    content: browse by province, topic and phase; add, edit, history, undo
    content_forms.py  the content forms' fields, reading them back, messages
    broadcasts.py announcements: the list, compose with a preview
    broadcast_page.py  one announcement: live progress, pause/resume/stop, failures as CSV,
                  retry the failed only
    day_chart.py  the report's chart of visits per day, as SVG with a link on each bar

Every page re-reads the session and the user's role (db/console.py; the sessions are in the
database, or in Redis with REDIS_URL: db/console_sessions.py) and reads data only within the
user's scope, as the chat does.
"""

from bot.console.pages import CONSOLE_PATH, Console, add_console_routes

__all__ = ["CONSOLE_PATH", "Console", "add_console_routes"]
