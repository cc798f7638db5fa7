"""A Kafka store's credentials in the form of DeltaStream's newer examples: ``'security.protocol'``,
``'sasl.mechanism'``, ``'sasl.username'``, ``'sasl.password'`` (with ``'type' = 'KAFKA'`` quoted and
``'access.region'``; deltastreaminc/examples ``oci_logging_agent``), beside the documented
``'kafka.sasl.hash_function'`` form. CHOICES.md says what the stand-in guesses of it."""

from __future__ import annotations

from typing import Any

from .property_values import word
from .results import SqlFailure

#: Kafka's own values of the client settings the keys are named after (the examples show SASL_SSL, PLAIN and
#: SCRAM-SHA-512).
PROTOCOLS = ("SASL_SSL", "SASL_PLAINTEXT", "SSL", "PLAINTEXT")
MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")
KEYS = ("security.protocol", "sasl.mechanism", "sasl.username", "sasl.password")


def newer_form(props: dict[str, Any]) -> bool:
    """Whether a Kafka store uses the newer keys (checked here: one form only, known values, SASL's user and
    password); False leaves the documented form to be checked."""
    if not any(key in props for key in KEYS):
        return False
    if props.get("kafka.sasl.hash_function") not in (None, ""):
        raise SqlFailure("3D008", "'kafka.sasl.hash_function' and 'sasl.mechanism' are two forms of a Kafka store's "
                                  "credentials: use one")
    protocol = word(props.get("security.protocol")) or "SASL_SSL"
    if protocol not in PROTOCOLS:
        raise SqlFailure("3D008", f"invalid value {protocol!r} for 'security.protocol'; expected one of "
                                  f"{', '.join(PROTOCOLS)}")
    if protocol.startswith("SASL"):
        mechanism = word(props.get("sasl.mechanism"))
        if not mechanism:
            raise SqlFailure("3D021", f"missing parameter 'sasl.mechanism' for 'security.protocol' {protocol}")
        if mechanism not in MECHANISMS:
            raise SqlFailure("3D008", f"invalid value {mechanism!r} for 'sasl.mechanism'; expected one of "
                                      f"{', '.join(MECHANISMS)}")
        for key in ("sasl.username", "sasl.password"):
            if props.get(key) in (None, ""):
                raise SqlFailure("3D021", f"missing parameter {key!r} for 'sasl.mechanism' {mechanism}")
    return True
