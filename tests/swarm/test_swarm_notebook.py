"""Notebook 06, "A cluster", run end to end in a real kernel on the two-node swarm: an image
pushed to the registry both nodes reach, a service on both nodes, scaled, updated one task at a
time, given a secret; then a stack from a compose file, listed and removed.  Everything it made
is removed whatever happened."""

from __future__ import annotations

import uuid

from support.notebooks import cell_text, execute, find, load, with_parameters


def test_a_cluster_notebook(swarm, tmp_path):
    tag = uuid.uuid4().hex[:6]
    service, stack, secret = f"dmnb-hello-{tag}", f"dmnb-ticker-{tag}", f"dmnb-greeting-{tag}"
    params = {"manager": swarm.manager, "registry": swarm.registry, "service": service, "stack": stack, "secret": secret}
    try:
        nb = execute(with_parameters(load("06-a-cluster.ipynb"), **params), tmp_path, timeout=300, allow_errors=True)
        errors = [(c.source.splitlines()[0], o.ename, o.evalue) for c in nb.cells if c.cell_type == "code"
                  for o in c.outputs if o.output_type == "error"]
        assert not errors, errors

        assert "swarm-manager" in cell_text(find(nb, "%docker -H $M node ls"))
        assert "verify: Service" in cell_text(find(nb, "service create --name"))
        assert "2 nodes run" in cell_text(find(nb, "nodes run"))
        assert "4/4" in cell_text(find(nb, "service ls --filter"))
        running = cell_text(find(nb, "--filter desired-state=running --format")).split("\n")
        rows = {tuple(line.split()) for line in running if line.startswith(f"{service}.")}  # text and HTML alike
        assert len(rows) == 4 and {r[1] for r in rows} == {f"{swarm.registry}/dockermagic-06/hello:2"}
        assert {r[2] for r in rows} == {"swarm-manager", "swarm-worker"}
        assert f"{secret} at /run/secrets/{secret}" in cell_text(find(nb, "{{range .Spec.TaskTemplate"))
        deploy = cell_text(find(nb, "stack deploy -c"))
        assert f"Creating network {stack}_default" in deploy and f"Creating secret {stack}_greeting" in deploy
        assert f"verify: Service {stack}_web converged" in deploy and f"verify: Service {stack}_worker converged" in deploy
        services = cell_text(find(nb, "%docker -H $M stack services"))
        assert f"{stack}_web" in services and "2/2" in services
        assert "tick" in cell_text(find(nb, "service logs --tail 1"))
        removed = cell_text(find(nb, "%docker -H $M stack rm"))
        assert f"Removing service {stack}_web" in removed and f"Removing network {stack}_default" in removed
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert "<script" not in cell_text(cell)
    finally:
        left = []
        for name in (service, f"{stack}_web", f"{stack}_worker"):
            left += [name] if swarm.cli("service", "rm", name, check=False).returncode == 0 else []
        swarm.cli("stack", "rm", stack, check=False)
        left += [secret] if swarm.cli("secret", "rm", secret, check=False).returncode == 0 else []
    assert not left, f"the notebook left {left} behind"
