"""Tests of what ships the service: the container image, the Helm chart, the configuration doc."""
