"""A GA4GH DRS 1.5 adapter in front of Synapse."""

# Where the DRS API lives on a server, by the DRS specification (`drs://host/id` resolves to
# `https://host/ga4gh/drs/v1/objects/id`).
DRS_BASE = "/ga4gh/drs/v1"
