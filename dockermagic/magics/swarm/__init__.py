"""`%docker swarm|node|service|secret|config` and `%%docker_secret` / `%%docker_config`: swarm mode's
commands with the docker CLI's flags, sent to a swarm manager."""
