"""`%docker swarm`, `node`, `service`, `secret`, `config`: swarm mode's commands with the docker CLI's flags."""
