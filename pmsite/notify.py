"""Deliver reminder messages: e-mail over SMTP, a Slack incoming webhook, or GitHub issue comments.

Settings come from ``remind:`` in pmsite.yaml; passwords and webhook URLs only
from the environment. Each delivery that fails raises ``DeliveryError`` naming
the recipient, so the caller can go on with the others.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Callable

from pmsite.config import Config
from pmsite.errors import ConfigError
from pmsite.remind import ROLES, Message

VIAS = ("email", "slack", "github")


class DeliveryError(Exception):
    """One message could not be delivered; the text names whom and why."""


def _remind(config: Config) -> dict:
    return config.section("remind")


def email_address(config: Config, recipient: str) -> str:
    settings = _remind(config)
    addresses = settings.get("addresses") or {}
    if recipient in addresses:
        return str(addresses[recipient])
    if "@" in recipient:
        return recipient
    if settings.get("email_domain"):
        return f"{recipient}@{settings['email_domain']}"
    raise DeliveryError(f"no e-mail address for {recipient!r}: add remind.addresses.{recipient} or "
                        "remind.email_domain to pmsite.yaml")


def email_sender(config: Config, env: dict[str, str]) -> Callable[[Message], str]:
    """A function that e-mails one message and says to whom; one SMTP session per message."""
    settings = _remind(config)
    smtp = settings.get("smtp") or {}
    if not isinstance(smtp, dict):
        raise ConfigError("pmsite.yaml: remind.smtp must be a mapping (host, port, starttls, username_env, password_env)")
    sender = str(settings.get("from") or "")
    if not sender:
        raise ConfigError("pmsite.yaml: remind.from is missing: the sender address of reminder e-mails")
    host, port = str(smtp.get("host", "localhost")), int(smtp.get("port", 25))
    username = env.get(str(smtp.get("username_env", "SMTP_USERNAME")), "")
    password = env.get(str(smtp.get("password_env", "SMTP_PASSWORD")), "")

    def send(message: Message) -> str:
        to = email_address(config, message.recipient)
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = sender, to, message.subject
        mail["Date"], mail["Message-ID"] = formatdate(localtime=False), make_msgid(domain="pmsite")
        mail["X-Pmsite-Escalation"] = message.level
        mail.set_content(message.body())
        try:
            with smtplib.SMTP(host, port, timeout=float(smtp.get("timeout", 20))) as client:
                if smtp.get("starttls"):
                    client.starttls(context=ssl.create_default_context())
                if username and password:
                    client.login(username, password)
                client.send_message(mail)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"e-mail to {message.recipient} <{to}> failed: {type(exc).__name__}: "
                                f"{str(exc).replace(password, '***') if password else exc}") from None
        return to

    return send


def slack_sender(config: Config, env: dict[str, str]) -> Callable[[Message], str]:
    from pmsite.trackers.base import TrackerError
    from pmsite.trackers.http import Http

    settings = _remind(config)
    variable = str(settings.get("slack_webhook_env") or "SLACK_WEBHOOK_URL")
    url = env.get(variable, "").strip()
    if not url:
        raise ConfigError(f"the Slack webhook URL is not set: export {variable}=https://hooks.slack.com/services/... "
                          "(pmsite reads it from the environment only: the URL is a secret)")
    users = settings.get("slack_users") or {}
    http = Http(url, headers={}, timeout=20, retries=3, backoff=float(settings.get("backoff", 1.0)), max_wait=120,
                secrets=(url,))

    def send(message: Message) -> str:
        who = f"<@{users[message.recipient]}>" if message.recipient in users else message.recipient
        text = f"*{message.subject}*\n{message.body().replace('Hello ' + message.recipient, 'Hello ' + who, 1)}"
        try:
            response = http.request("POST", url, f"posting to Slack for {message.recipient}", json={"text": text})
        except TrackerError as exc:  # already scrubbed and named
            raise DeliveryError(str(exc)) from None
        if response.status_code != 200:
            raise DeliveryError(f"Slack refused the message for {message.recipient} ({response.status_code}: "
                                f"{http.scrub(response.text[:100])})")
        return who

    return send


def github_sender(config: Config, env: dict[str, str]) -> Callable[[Message], str]:
    """Comments on each linked GitHub issue of the message, mentioning the recipient."""
    from pmsite.trackers.base import TrackerError
    from pmsite.trackers.github import GitHub
    from pmsite.trackers.settings import TrackerSettings

    settings = TrackerSettings.from_config(config, "github", env)
    client = GitHub(settings)

    def send(message: Message) -> str:
        login = settings.users.get(message.recipient)
        mention = f"@{login}" if login else message.recipient
        linked = [line for line in message.lines if line.link and client.owns(line.link)]
        if not linked:
            raise DeliveryError(f"nothing to comment on for {message.recipient}: none of their items links a GitHub issue")
        for line in linked:
            text = (f"{mention}: {line.text}\n\n" + (f"Escalated to you as {ROLES[line.level]}." if line.level != "reminder"
                                                     else "A reminder from pmsite.")
                    + "\n\n<sub>pmsite actions remind</sub>")
            try:
                client.comment(line.link, text)
            except TrackerError as exc:
                raise DeliveryError(f"{message.recipient}: {exc}") from None
        return mention

    return send


def sender(via: str, config: Config, env: dict[str, str]) -> Callable[[Message], str]:
    return {"email": email_sender, "slack": slack_sender, "github": github_sender}[via](config, env)
