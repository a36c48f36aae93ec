"""How a channel says a message did not leave (e-mail and SMS alike)."""


class SendError(Exception):
    """The provider did not take the message."""


class TransientSendError(SendError):
    """Worth another try later (network, timeout, provider busy)."""


class PermanentSendError(SendError):
    """Trying again will not help (bad address, refused content, wrong credentials)."""
