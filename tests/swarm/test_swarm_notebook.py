"""Notebook 06, "A cluster", run end to end in a real kernel on the two-node swarm: an image
pushed to the registry both nodes reach, a service on both nodes, scaled, updated one task at a
time, given a secret; then a stack from a compose file, listed and removed, and the images gone
from both nodes.  The notebook's own clean-up must leave nothing of it on the swarm; the test
then removes whatever is left anyway, and the tags it pushed (no docker command deletes a
registry's manifests: the registry's API does)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid

from support.notebooks import cell_text, execute, find, load, with_parameters

MANIFESTS = ", ".join(("application/vnd.docker.distribution.manifest.v2+json",
                       "application/vnd.docker.distribution.manifest.list.v2+json",
                       "application/vnd.oci.image.manifest.v1+json", "application/vnd.oci.image.index.v1+json"))


def registry_tags(registry: str, repository: str) -> list[str]:
    try:
        with urllib.request.urlopen(f"http://{registry}/v2/{repository}/tags/list", timeout=10) as answer:
            return json.load(answer).get("tags") or []
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return []
        raise


def delete_tags(registry: str, repository: str) -> None:
    """Each tag's manifest deleted by its digest (the registry runs with deletes enabled)."""
    for tag in registry_tags(registry, repository):
        manifests = f"http://{registry}/v2/{repository}/manifests/"
        head = urllib.request.Request(manifests + tag, method="HEAD", headers={"Accept": MANIFESTS})
        with urllib.request.urlopen(head, timeout=10) as answer:
            digest = answer.headers["Docker-Content-Digest"]
        delete = urllib.request.Request(manifests + digest, method="DELETE")
        try:
            urllib.request.urlopen(delete, timeout=10).close()
        except urllib.error.HTTPError as exc:
            if exc.code != 404:  # two tags of one digest: gone with the first
                raise


def leftovers(swarm, names: dict) -> list[str]:
    """What of the notebook's is on the swarm: services, secrets, the stack's networks, images on
    either node."""
    api = swarm.manager_engine.api
    ours = (names["service"], f"{names['stack']}_")
    left = [f"service {s['Spec']['Name']}" for s in api.services() if s["Spec"]["Name"].startswith(ours)]
    left += [f"secret {s['Spec']['Name']}" for s in api.secrets()
             if s["Spec"]["Name"] in (names["secret"], f"{names['stack']}_greeting")]
    left += [f"network {n['Name']}" for n in api.networks(filters={"label": f"com.docker.stack.namespace={names['stack']}"})]
    for node, engine in (("manager", swarm.manager_engine), ("worker", swarm.worker_engine)):
        for image in engine.api.images(all=True):
            refs = (image.get("RepoTags") or []) + (image.get("RepoDigests") or [])
            if any(r.startswith(names["image"] + ":") or r.startswith(names["image"] + "@") for r in refs):
                left.append(f"image {image['Id'][7:19]} on the {node}")
    return left


def remove_all(swarm, names: dict) -> None:
    import docker

    for name in (names["service"], f"{names['stack']}_web", f"{names['stack']}_worker"):
        swarm.cli("service", "rm", name, check=False)
    swarm.cli("stack", "rm", names["stack"], check=False)
    swarm.cli("secret", "rm", names["secret"], check=False)
    deadline = time.monotonic() + 20  # a task's container may still be on its way out
    for engine in (swarm.manager_engine, swarm.worker_engine):  # by reference: an image id may be another's too
        for image in engine.api.images(all=True):
            for ref in (image.get("RepoTags") or []) + (image.get("RepoDigests") or []):
                while ref.startswith((names["image"] + ":", names["image"] + "@")):
                    try:
                        engine.api.remove_image(ref)
                        break
                    except docker.errors.NotFound:
                        break
                    except docker.errors.APIError:
                        if time.monotonic() > deadline:
                            break  # said by the assertion on leftovers
                        time.sleep(0.5)
    delete_tags(swarm.registry, names["repository"])


def test_a_cluster_notebook(swarm, tmp_path):
    tag = uuid.uuid4().hex[:6]
    repository = f"dmnb-{tag}/hello"
    names = {"service": f"dmnb-hello-{tag}", "stack": f"dmnb-ticker-{tag}", "secret": f"dmnb-greeting-{tag}",
             "repository": repository, "image": f"{swarm.registry}/{repository}"}
    service, stack, secret = names["service"], names["stack"], names["secret"]
    params = {"manager": swarm.manager, "worker": swarm.worker, "registry": swarm.registry, "repository": repository,
              "service": service, "stack": stack, "secret": secret}
    try:
        nb = execute(with_parameters(load("06-a-cluster.ipynb"), **params), tmp_path, timeout=300, allow_errors=True)
        errors = [(c.source.splitlines()[0], o.ename, o.evalue) for c in nb.cells if c.cell_type == "code"
                  for o in c.outputs if o.output_type == "error"]
        assert not errors, errors

        assert "swarm-manager" in cell_text(find(nb, "%docker -H $M node ls"))
        assert "verify: Service" in cell_text(find(nb, "service create --name"))
        assert "2 nodes run" in cell_text(find(nb, "nodes run"))
        assert "3/3" in cell_text(find(nb, "service ls --filter"))
        running = cell_text(find(nb, "--filter desired-state=running --format")).split("\n")
        rows = {tuple(line.split()) for line in running if line.startswith(f"{service}.")}  # text and HTML alike
        assert len(rows) == 3 and {r[1] for r in rows} == {f"{names['image']}:2"}
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
        assert f"Untagged: {names['image']}:2" in cell_text(find(nb, "%docker -H $M image rm"))
        assert f"Untagged: {names['image']}@sha256:" in cell_text(find(nb, "| xargs -r docker -H $W image rm"))
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert "<script" not in cell_text(cell)
        assert not leftovers(swarm, names), "the notebook's clean-up left these"
        assert sorted(registry_tags(swarm.registry, repository)) == ["1", "2"]
    finally:
        remove_all(swarm, names)
    assert not leftovers(swarm, names)
    assert registry_tags(swarm.registry, repository) == []
