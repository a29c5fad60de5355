"""The use cases: one function per action, called by the chat handlers and the command line alike.

Each validates its input once (with the domain's rules), writes in one transaction, audits with the
real actor, and is safe to run twice on the same request.
"""
