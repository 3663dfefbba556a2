"""A GA4GH DRS 1.5 adapter in front of Synapse."""
