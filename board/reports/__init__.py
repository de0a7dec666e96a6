"""The weekly report by e-mail (issue 18): configuration, schedule, the message, and its sending."""
