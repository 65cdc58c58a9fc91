"""`%docker swarm|node|secret|config` and `%%docker_secret` / `%%docker_config`: the doors to swarm mode."""
