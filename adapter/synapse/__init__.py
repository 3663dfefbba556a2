"""The Synapse REST client and the models of what it reads."""
