"""`synapse-drs`: a command line that fetches DRS objects' bytes through the service's own API.

It speaks only the public DRS HTTP API (`GET /objects/{id}`, bulk `POST /objects` and
`POST /objects/access`), so it works against any deployment of this service and imports none
of its internals.
"""
