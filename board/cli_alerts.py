"""``alerts``: the alerts firing now and each channel's state, or a test message through one channel."""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta

from board.cli_support import open_board
from board.domain.timeutil import utcnow
from board.secrets import redact


def cmd_alerts(args: argparse.Namespace) -> int:
    from board.alerts.channels import ChannelError
    from board.alerts.messages import test_message

    board = open_board()
    alerts, now = board.settings.alerts, utcnow()
    if args.test:
        channel = alerts.channels.get(args.test)
        if channel is None:
            print(f"unknown channel {args.test!r}; alerts.yaml has: {', '.join(alerts.channels) or 'none'}",
                  file=sys.stderr)
            return 2
        to = args.to or sorted({a for s in alerts.subscriptions if s.channel == args.test for a in s.to})
        try:
            channel.send(test_message(args.test, now, alerts.board_url, board.settings.board.language), to)
        except ChannelError as e:
            print(f"{args.test}: FAILED ({'transient' if e.transient else 'configuration'}) - {e}")
            return 1
        print(f"{args.test}: OK - test message sent{' to ' + ', '.join(to) if to else ''}")
        return 0
    firing = board.store.alerts(active_only=True)
    print(f"{len(alerts.rules)} rule(s); {len(firing)} alert(s) firing")
    for a in firing:
        taken = f", acknowledged by {a.acknowledged_by}" if a.acknowledged_by else ""
        print(f"  {a.rule} {a.subject}: {a.value if a.value is not None else '-'} since "
              f"{a.since.isoformat(timespec='minutes')}{taken}")
    for c in board.store.channel_states(now - timedelta(days=1)):
        state = "OK" if c.last_error is None else f"FAILING - {redact(c.last_error)}"
        print(f"channel {c.channel}: {state}; {c.waiting} waiting, last sent "
              f"{c.last_sent.isoformat(timespec='minutes') if c.last_sent else 'never'}")
    return 0
