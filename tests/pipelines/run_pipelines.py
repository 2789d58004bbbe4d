#!/usr/bin/env python3
"""The pipeline kit (examples/pipelines), run as its platforms would run it.

Each definition is read with a real YAML parser; its jobs' shell steps run in order, in a fresh
checkout each, with the platform's environment variables, against the lab estate (the servers,
which outlive every runner) and a PostgreSQL state in the tests' own cluster. The platform's REST
API (comments, artifacts, the pull request a commit came from) is faked on loopback; its steps
that are not shell (checkout, artifacts) are done here as the platform does them.

    run_pipelines.py SUPCTL SOURCE_DIR CLUSTER_ENV [github|gitlab|azure ...]
"""

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import urllib.parse
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import yaml

TOKEN = "fake-platform-token-6b2d"


class Failure(Exception):
    pass


def check(condition, message, log=""):
    if not condition:
        raise Failure(message + ("\n--- job log ---\n" + log if log else ""))


# --- The platform's API, on loopback --------------------------------------------------------------


class Api:
    """Routes (method, regex, handler); a handler takes (match, query, body) and returns (status, payload)."""

    def __init__(self):
        self.routes = []
        self.requests = []
        self.unauthorized = 0
        self.auth_header = ("Authorization", f"Bearer {TOKEN}")
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def route(self, method, pattern, handler):
        self.routes.append((method, re.compile(pattern + r"$"), handler))

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def _handler(self):
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _serve(self):
                parsed = urllib.parse.urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                api.requests.append((self.command, parsed.path))
                name, value = api.auth_header
                if self.headers.get(name) != value:
                    api.unauthorized += 1
                    return self._reply(401, {"message": "Bad credentials"})
                query = dict(urllib.parse.parse_qsl(parsed.query))
                for method, pattern, handler in api.routes:
                    match = pattern.match(parsed.path)
                    if method == self.command and match:
                        payload = json.loads(body) if body else None
                        return self._reply(*handler(match, query, payload))
                self._reply(404, {"message": f"no route for {self.command} {parsed.path}"})

            def _reply(self, status, payload):
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/zip" if isinstance(payload, bytes) else "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_PUT = _serve

        return Handler


class Comments:
    """The comments the fake API holds, by pull (merge) request: made, listed, edited."""

    def __init__(self, first_id):
        self.items = {}
        self.next_id = first_id

    def add(self, request, body):
        self.next_id += 1
        self.items[self.next_id] = {"request": request, "body": body, "edits": 0}
        return self.next_id

    def of(self, request):
        return [(i, c) for i, c in sorted(self.items.items()) if c["request"] == request]

    def edit(self, comment_id, body, request=None):
        """False when there is no such comment (on that request)."""
        comment = self.items.get(comment_id)
        if comment is None or (request is not None and comment["request"] != request):
            return False
        comment["body"] = body
        comment["edits"] += 1
        return True


def zip_directory(path):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for root, _, files in os.walk(path):
            for name in files:
                full = os.path.join(root, name)
                archive.write(full, os.path.relpath(full, path))
    return out.getvalue()


# --- The world: repository snapshots, the servers, the state ---------------------------------------


class World:
    def __init__(self, supctl, source, cluster, platform):
        self.supctl = os.path.abspath(supctl)
        self.source = source
        self.cluster = cluster
        self.platform = platform
        self.root = tempfile.mkdtemp(prefix=f"supctl-pipelines-{platform}-")
        self.bin = os.path.join(self.root, "bin")
        os.makedirs(self.bin)
        os.symlink(self.supctl, os.path.join(self.bin, "supctl"))
        self.snapshots = {}
        self.runs = 0
        self.state = f"{cluster['SUPCTL_TEST_PG_URL']}?state=pipeline_{platform}_{os.getpid()}"
        self.state_with_password = self.state.replace("postgresql://supctl@", f"postgresql://supctl:{cluster['SUPCTL_TEST_PG_PASSWORD']}@")
        self.secrets = {
            "SUPCTL_STATE": self.state_with_password,
            "CONTOSO_WSUS_CONNECT_PASSWORD": "wsus-connect-pw-41",
            "CONTOSO_PROXY_PASSWORD": "proxy-pw-42",
            "SUPCTL_WINRM_PASSWORD": "unused-in-the-lab",
        }
        self.variables = {"SUPCTL_DIR": "manifests", "SUPCTL_EXTRA_ARGS": "--lab", "SUPCTL_DEB_URL": "http://127.0.0.1:9/none.deb"}
        # The servers: a lab estate seeded once, seen by every checkout.
        self.servers = os.path.join(self.root, "servers")
        shutil.copytree(os.path.join(source, "examples", "contoso"), self.servers)
        shutil.rmtree(os.path.join(self.servers, ".supctl"), ignore_errors=True)
        self.supctl_run(["lab", "init", self.servers])
        # Under supctl already: the shared state holds the estate as examples/contoso describes it.
        self.supctl_run(["apply", self.servers, "--lab", "--auto-approve"], env=self.base_env() | self.secrets)

    def cleanup(self):
        shutil.rmtree(self.root, ignore_errors=True)

    def supctl_run(self, args, env=None, expect=0):
        result = subprocess.run([self.supctl, *args], capture_output=True, text=True, env=env or self.base_env())
        if expect is not None and result.returncode != expect:
            raise Failure(f"supctl {' '.join(args)} exited {result.returncode}, not {expect}:\n{result.stdout}{result.stderr}")
        return result

    def base_env(self):
        env = {
            "PATH": self.bin + os.pathsep + os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": self.root,
            "LANG": "C.UTF-8",
            "CI": "true",
            "PGPASSFILE": "/nonexistent",
        }
        return env

    def snapshot(self, name, pool_queue=None, broken=False):
        """A commit of the manifests' repository: examples/contoso under manifests/, with the pipeline files."""
        path = os.path.join(self.root, "repo", name)
        manifests = os.path.join(path, "manifests")
        shutil.copytree(os.path.join(self.source, "examples", "contoso"), manifests)
        shutil.rmtree(os.path.join(manifests, ".supctl"), ignore_errors=True)
        hosts = os.path.join(manifests, "hosts.toml")
        text = open(hosts).read()
        if pool_queue is not None:
            text = text.replace('name = "WsusPoolQueueLength"\ntype = "dword"\ndata = 2000', f'name = "WsusPoolQueueLength"\ntype = "dword"\ndata = {pool_queue}')
            check(f"data = {pool_queue}" in text, "the snapshot's change did not apply to examples/contoso/hosts.toml")
        if broken:
            text += '\n[registry_value.broken]\nhost = "nowhere.contoso.com"\n'
        open(hosts, "w").write(text)
        shutil.copytree(os.path.join(self.source, "examples", "pipelines"), os.path.join(path, "pipelines"))
        sha = hashlib.sha1(name.encode()).hexdigest()
        self.snapshots[name] = (path, sha)
        return sha

    def checkout(self, name):
        """A fresh clone of snapshot `name` on a new runner: no state, the same servers."""
        self.runs += 1
        source, sha = self.snapshots[name]
        workspace = os.path.join(self.root, "runs", f"{self.runs:02}-{name}")
        shutil.copytree(source, workspace)
        os.makedirs(os.path.join(workspace, "manifests", ".supctl"))
        os.symlink(os.path.join(self.servers, ".supctl", "lab"), os.path.join(workspace, "manifests", ".supctl", "lab"))
        temp = os.path.join(self.root, "runs", f"{self.runs:02}-tmp")
        os.makedirs(temp)
        return workspace, sha, temp

    def lineage(self):
        """The shared state's lineage, as the database holds it."""
        env = self.base_env() | {"PGPASSWORD": self.cluster["SUPCTL_TEST_PG_PASSWORD"]}
        schema = "supctl_" + self.state.rsplit("state=", 1)[1]
        result = subprocess.run([os.path.join(self.cluster["SUPCTL_TEST_PG_BIN"], "psql"), "-X", "-q", "-At", self.cluster["SUPCTL_TEST_PG_URL"],
                                 "-c", f"SELECT value FROM \"{schema}\".meta WHERE key = 'lineage'"], capture_output=True, text=True, env=env)
        check(result.returncode == 0 and len(result.stdout.strip()) == 32, f"cannot read the shared state's lineage: {result.stderr}")
        return result.stdout.strip()

    def converged(self, name):
        """Whether a plan of snapshot `name` on the shared state and servers has no changes."""
        workspace, _, _ = self.checkout(name)
        env = self.base_env() | {k: v for k, v in self.secrets.items()}
        result = self.supctl_run(["plan", os.path.join(workspace, "manifests"), "--lab", "--detailed-exitcode"], env=env, expect=None)
        return result.returncode == 0, result.stdout + result.stderr


def run_shell(script, env, cwd, shell=("bash", "--noprofile", "--norc", "-eo", "pipefail")):
    with tempfile.NamedTemporaryFile("w", suffix=".sh", delete=False, dir=env.get("RUNNER_TEMP") or None) as handle:
        handle.write(script)
        path = handle.name
    try:
        result = subprocess.run([*shell, path], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    finally:
        os.unlink(path)
    return result.returncode, result.stdout + result.stderr


# --- GitHub Actions ----------------------------------------------------------------------------------


class GitHubExpressions:
    """The ${{ }} expressions the workflow uses: paths into contexts, 'literals', ==, !=, &&, ||, and
    always(), success(), failure()."""

    def __init__(self, contexts, failed=lambda: False):
        self.contexts = contexts
        self.failed = failed

    def value(self, expression):
        expression = expression.strip()
        for operator in ("||", "&&"):
            parts = self._split(expression, operator)
            if len(parts) > 1:
                values = [self.value(p) for p in parts]
                if operator == "||":
                    return next((v for v in values if v), values[-1])
                return values[-1] if all(values) else next(v for v in values if not v)
        for operator in ("==", "!="):
            parts = self._split(expression, operator)
            if len(parts) == 2:
                same = self.value(parts[0]) == self.value(parts[1])
                return same if operator == "==" else not same
        if expression.startswith("'") and expression.endswith("'"):
            return expression[1:-1].replace("''", "'")
        if expression == "always()":
            return True
        if expression == "success()":
            return not self.failed()
        if expression == "failure()":
            return self.failed()
        if expression in ("true", "false"):
            return expression == "true"
        node = self.contexts
        for part in expression.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        return node if node is not None else ""

    @staticmethod
    def _split(expression, operator):
        parts, depth, quoted, start, i = [], 0, False, 0, 0
        while i < len(expression):
            c = expression[i]
            if c == "'":
                quoted = not quoted
            elif not quoted and expression.startswith(operator, i):
                parts.append(expression[start:i])
                i += len(operator)
                start = i
                continue
            i += 1
        parts.append(expression[start:])
        return parts

    def interpolate(self, text):
        if not isinstance(text, str):
            return text
        return re.sub(r"\$\{\{(.*?)\}\}", lambda m: str(self.value(m.group(1))), text)

    def condition(self, text):
        if text is None:
            return not self.failed()
        if isinstance(text, bool):
            return text
        text = text.strip()
        if text.startswith("${{") and text.endswith("}}"):
            text = text[3:-2]
        uses_status = any(f in text for f in ("always()", "failure()", "success()"))
        return bool(self.value(text)) and (uses_status or not self.failed())


class GitHub:
    def __init__(self, world, api):
        self.world = world
        self.api = api
        self.doc = yaml.safe_load(open(os.path.join(world.source, "examples", "pipelines", "github", "supctl.yml")))
        check(isinstance(self.doc, dict) and "jobs" in self.doc, "github/supctl.yml has no jobs")
        # YAML 1.1 reads the key `on` as True.
        self.triggers = self.doc.get("on", self.doc.get(True))
        self.comments = Comments(1000)
        self.next_id = 2000
        self.artifacts = []  # newest last: {id, name, zip}
        self.pulls = {}  # merge commit -> (number, head sha)
        repo = r"/repos/contoso/sup-manifests"
        api.route("GET", repo + r"/issues/(\d+)/comments", self._list_comments)
        api.route("POST", repo + r"/issues/(\d+)/comments", self._add_comment)
        api.route("PATCH", repo + r"/issues/comments/(\d+)", self._edit_comment)
        api.route("GET", repo + r"/commits/(\w+)/pulls", self._pulls_of)
        api.route("GET", repo + r"/actions/artifacts", self._find_artifacts)
        api.route("GET", repo + r"/actions/artifacts/(\d+)/zip", self._artifact_zip)

    def _list_comments(self, match, query, body):
        return 200, [{"id": i, "body": c["body"]} for i, c in self.comments.of(int(match.group(1)))]

    def _add_comment(self, match, query, body):
        return 201, {"id": self.comments.add(int(match.group(1)), body["body"])}

    def _edit_comment(self, match, query, body):
        if not self.comments.edit(int(match.group(1)), body["body"]):
            return 404, {"message": "Not Found"}
        return 200, {"id": int(match.group(1))}

    def _pulls_of(self, match, query, body):
        number, head = self.pulls.get(match.group(1), (None, None))
        return 200, ([{"number": number, "head": {"sha": head}}] if number else [])

    def _find_artifacts(self, match, query, body):
        found = [a for a in reversed(self.artifacts) if a["name"] == query.get("name")]
        return 200, {"total_count": len(found), "artifacts": [{"id": a["id"], "name": a["name"], "expired": False} for a in found]}

    def _artifact_zip(self, match, query, body):
        found = [a for a in self.artifacts if a["id"] == int(match.group(1))]
        return (200, found[0]["zip"]) if found else (404, {"message": "Not Found"})

    def run(self, job_name, event, snapshot, pull_request=None):
        """Runs one job of the workflow for `event` on a fresh checkout; (exit code, log, summary)."""
        check(event in self.triggers, f"the workflow does not run on {event}")
        workspace, sha, temp = self.world.checkout(snapshot)
        ref = f"refs/pull/{pull_request}/merge" if event == "pull_request" else "refs/heads/main"
        event_payload = {"pull_request": {"number": pull_request, "head": {"sha": sha}}} if pull_request else {}
        github = {"event_name": event, "ref": ref, "sha": sha, "repository": "contoso/sup-manifests", "api_url": self.api.url,
                  "event": event_payload, "workspace": workspace}
        steps_outputs = {}
        contexts = {"github": github, "secrets": self.world.secrets | {"GITHUB_TOKEN": TOKEN}, "vars": self.world.variables,
                    "env": {}, "steps": steps_outputs}
        failed = [False]
        expressions = GitHubExpressions(contexts, lambda: failed[0])
        job = self.doc["jobs"][job_name]
        if not expressions.condition(job.get("if")):
            return None, f"job {job_name} does not run on {event}", ""
        files = {n: os.path.join(temp, n) for n in ("output", "env", "summary")}
        for path in files.values():
            open(path, "w").close()
        env = self.world.base_env() | {
            "GITHUB_ACTIONS": "true", "GITHUB_API_URL": self.api.url, "GITHUB_REPOSITORY": "contoso/sup-manifests",
            "GITHUB_SHA": sha, "GITHUB_REF": ref, "GITHUB_EVENT_NAME": event, "GITHUB_WORKSPACE": workspace,
            "GITHUB_OUTPUT": files["output"], "GITHUB_ENV": files["env"], "GITHUB_STEP_SUMMARY": files["summary"],
            "RUNNER_TEMP": temp,
        }
        for scope in (self.doc.get("env") or {}, job.get("env") or {}):
            for name, value in scope.items():
                env[name] = str(expressions.interpolate(value))
                contexts["env"][name] = env[name]
        log = []
        failed_code = 0
        for step in job["steps"]:
            if not expressions.condition(step.get("if")):
                continue
            if "uses" in step:
                self._action(step, expressions, workspace, log)
                continue
            step_env = dict(env)
            for name, value in (step.get("env") or {}).items():
                step_env[name] = str(expressions.interpolate(value))
            # GitHub's own: "bash" is bash -eo pipefail; no shell at all is bash -e, without pipefail.
            shell = step.get("shell") or ((self.doc.get("defaults") or {}).get("run") or {}).get("shell")
            command = ("bash", "--noprofile", "--norc", "-eo", "pipefail") if shell == "bash" else ("bash", "-e")
            check(shell in (None, "bash"), f"a step runs in {shell}, which this test does not know")
            code, output = run_shell(step["run"], step_env, workspace, shell=command)
            log.append(f"--- {step.get('name', step['run'][:40])} (exit {code})\n{output}")
            for line in open(files["env"]).read().splitlines():
                if "=" in line:
                    name, value = line.split("=", 1)
                    env[name] = value
                    contexts["env"][name] = value
            outputs = dict(line.split("=", 1) for line in open(files["output"]).read().splitlines() if "=" in line)
            if "id" in step:
                steps_outputs[step["id"]] = {"outputs": outputs}
            if code != 0 and not step.get("continue-on-error"):
                failed[0] = True
                failed_code = code
        return (failed_code if failed[0] else 0), "\n".join(log), open(files["summary"]).read()

    def _action(self, step, expressions, workspace, log):
        uses = step["uses"]
        inputs = {k: expressions.interpolate(v) for k, v in (step.get("with") or {}).items()}
        if uses.startswith("actions/checkout@"):
            return  # the workspace is a fresh checkout already
        if uses.startswith("actions/upload-artifact@"):
            path = os.path.join(workspace, inputs["path"])
            if not os.path.exists(path):  # as if-no-files-found: warn
                log.append(f"--- upload-artifact {inputs['name']}: warning: no files at {inputs['path']}")
                return
            data = zip_directory(path) if os.path.isdir(path) else zip_file(path)
            self.next_id += 1
            self.artifacts.append({"id": self.next_id, "name": inputs["name"], "zip": data})
            log.append(f"--- upload-artifact {inputs['name']}")
            return
        raise Failure(f"the workflow uses {uses}, which this test does not know how to run")


def plan_lineage(data):
    """The lineage in the plan.json of an artifact's zip: the state the plan job read."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = [n for n in archive.namelist() if n.endswith("plan.json")]
        check(len(names) == 1, f"the artifact holds {len(names)} plan.json")
        return json.loads(archive.read(names[0])).get("lineage", "")


def zip_file(path):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.write(path, os.path.basename(path))
    return out.getvalue()


# --- GitLab CI -----------------------------------------------------------------------------------------


def gitlab_rule(expression, variables):
    """A rules: if: expression: $VAR, "literals", ==, !=, &&, ||."""
    def operand(text):
        text = text.strip()
        if text.startswith("$"):
            return variables.get(text[1:])
        if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
            return text[1:-1]
        raise Failure(f"a rule this test cannot read: {expression}")
    def comparison(text):
        for operator in ("==", "!="):
            if operator in text:
                left, right = text.split(operator, 1)
                same = operand(left) == operand(right)
                return same if operator == "==" else not same
        return bool(operand(text))
    return any(all(comparison(part) for part in alternative.split("&&")) for alternative in expression.split("||"))


class GitLab:
    def __init__(self, world, api):
        self.world = world
        self.api = api
        api.auth_header = ("PRIVATE-TOKEN", TOKEN)
        self.doc = yaml.safe_load(open(os.path.join(world.source, "examples", "pipelines", "gitlab", "gitlab-ci.yml")))
        check(isinstance(self.doc, dict) and "stages" in self.doc, "gitlab/gitlab-ci.yml has no stages")
        self.notes = Comments(500)
        self.next_id = 5000
        self.pipelines = []  # newest last: {id, mr, sha, status, jobs: [{id, name, zip}]}
        self.merge_requests = {}  # iid -> head sha
        self.commit_mr = {}  # merge commit -> iid
        project = r"/api/v4/projects/42"
        api.route("GET", project + r"/merge_requests/(\d+)/notes", self._list_notes)
        api.route("POST", project + r"/merge_requests/(\d+)/notes", self._add_note)
        api.route("PUT", project + r"/merge_requests/(\d+)/notes/(\d+)", self._edit_note)
        api.route("GET", project + r"/repository/commits/(\w+)/merge_requests", self._mrs_of)
        api.route("GET", project + r"/merge_requests/(\d+)", self._mr)
        api.route("GET", project + r"/merge_requests/(\d+)/pipelines", self._mr_pipelines)
        api.route("GET", project + r"/pipelines/(\d+)/jobs", self._pipeline_jobs)
        api.route("GET", project + r"/jobs/(\d+)/artifacts", self._job_artifacts)

    def _list_notes(self, match, query, body):
        return 200, [{"id": i, "body": n["body"]} for i, n in self.notes.of(int(match.group(1)))]

    def _add_note(self, match, query, body):
        return 201, {"id": self.notes.add(int(match.group(1)), body["body"])}

    def _edit_note(self, match, query, body):
        if not self.notes.edit(int(match.group(2)), body["body"], request=int(match.group(1))):
            return 404, {"message": "404 Not found"}
        return 200, {"id": int(match.group(2))}

    def _mrs_of(self, match, query, body):
        iid = self.commit_mr.get(match.group(1))
        return 200, ([{"iid": iid}] if iid else [])

    def _mr(self, match, query, body):
        iid = int(match.group(1))
        return (200, {"iid": iid, "sha": self.merge_requests[iid]}) if iid in self.merge_requests else (404, {"message": "404 Not found"})

    def _mr_pipelines(self, match, query, body):
        iid = int(match.group(1))
        return 200, [{"id": p["id"], "sha": p["sha"], "status": p["status"]} for p in reversed(self.pipelines) if p["mr"] == iid]

    def _pipeline_jobs(self, match, query, body):
        for p in self.pipelines:
            if p["id"] == int(match.group(1)):
                return 200, [{"id": j["id"], "name": j["name"], "status": "success"} for j in p["jobs"]]
        return 404, {"message": "404 Not found"}

    def _job_artifacts(self, match, query, body):
        for p in self.pipelines:
            for j in p["jobs"]:
                if j["id"] == int(match.group(1)) and j["zip"] is not None:
                    return 200, j["zip"]
        return 404, {"message": "404 Not found"}

    def run(self, job_name, source, snapshot, merge_request=None):
        """One job of a pipeline for `source` (merge_request_event, push, schedule); (exit code, log)."""
        workspace, sha, temp = self.world.checkout(snapshot)
        branch = None if source == "merge_request_event" else "main"
        predefined = {
            "CI": "true", "GITLAB_CI": "true", "CI_PIPELINE_SOURCE": source, "CI_COMMIT_SHA": sha, "CI_DEFAULT_BRANCH": "main",
            "CI_API_V4_URL": self.api.url + "/api/v4", "CI_PROJECT_ID": "42", "CI_PROJECT_DIR": workspace,
            "CI_JOB_NAME": job_name,
        }
        if branch:
            predefined["CI_COMMIT_BRANCH"] = branch
        if merge_request:
            predefined["CI_MERGE_REQUEST_IID"] = str(merge_request)
            self.merge_requests[merge_request] = sha
        # Project variables win over the file's.
        variables = {k: str(v) for k, v in (self.doc.get("variables") or {}).items()}
        job = self.doc[job_name]
        variables |= {k: str(v) for k, v in (job.get("variables") or {}).items()}
        variables |= predefined | self.world.secrets | {"SUPCTL_GITLAB_TOKEN": TOKEN} | self.world.variables
        check(any(gitlab_rule(r["if"], variables) for r in self.doc["workflow"]["rules"]), f"the workflow rules refuse a {source} pipeline")
        if not any(gitlab_rule(r["if"], variables) for r in job.get("rules", [])):
            return None, f"job {job_name} does not run in a {source} pipeline"
        before = job.get("before_script", (self.doc.get("default") or {}).get("before_script", []))
        script = "\n".join([*before, *job["script"]]) + "\n"
        env = self.world.base_env() | variables
        code, output = run_shell(script, env | {"RUNNER_TEMP": temp}, workspace)
        artifacts = job.get("artifacts") or {}
        when = artifacts.get("when", "on_success")
        data = None
        if artifacts.get("paths") and (when == "always" or (when == "on_success" and code == 0)):
            data = zip_paths(workspace, artifacts["paths"])
        if merge_request:
            self.next_id += 1
            self.pipelines.append({"id": self.next_id, "mr": merge_request, "sha": sha, "status": "success" if code == 0 else "failed",
                                   "jobs": [{"id": self.next_id + 1, "name": job_name, "zip": data}]})
            self.next_id += 1
        return code, output


def zip_paths(workspace, paths):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for entry in paths:
            full = os.path.join(workspace, entry)
            if os.path.isdir(full):
                for root, _, files in os.walk(full):
                    for name in files:
                        archive.write(os.path.join(root, name), os.path.relpath(os.path.join(root, name), workspace))
            elif os.path.exists(full):
                archive.write(full, entry)
    return out.getvalue()


# --- Azure Pipelines -----------------------------------------------------------------------------------


class AzureCondition:
    """A condition: and, or, not, eq, ne, in, succeeded(), failed(), always(), variables['X'], 'literals'."""

    def __init__(self, variables, failed):
        self.variables = variables
        self.failed = failed

    def value(self, text):
        self.text, self.at = text, 0
        result = self._expression()
        self._space()
        check(self.at == len(self.text), f"a condition this test cannot read: {text}")
        return result

    def _space(self):
        while self.at < len(self.text) and self.text[self.at].isspace():
            self.at += 1

    def _expression(self):
        self._space()
        if self.text.startswith("'", self.at):
            end = self.text.index("'", self.at + 1)
            value = self.text[self.at + 1:end]
            self.at = end + 1
            return value
        if self.text.startswith("variables['", self.at):
            end = self.text.index("']", self.at)
            name = self.text[self.at + len("variables['"):end]
            self.at = end + 2
            return self.variables.get(name, "")
        match = re.compile(r"[A-Za-z]+").match(self.text, self.at)
        check(match is not None, f"a condition this test cannot read: {self.text}")
        name = match.group(0)
        self.at = match.end()
        self._space()
        arguments = []
        check(self.text.startswith("(", self.at), f"a condition this test cannot read: {self.text}")
        self.at += 1
        self._space()
        while not self.text.startswith(")", self.at):
            arguments.append(self._expression())
            self._space()
            if self.text.startswith(",", self.at):
                self.at += 1
        self.at += 1
        functions = {
            "and": lambda *a: all(a), "or": lambda *a: any(a), "not": lambda a: not a,
            "eq": lambda a, b: str(a).lower() == str(b).lower(), "ne": lambda a, b: str(a).lower() != str(b).lower(),
            "in": lambda a, *b: str(a).lower() in [str(x).lower() for x in b],
            "succeeded": lambda: not self.failed(), "failed": lambda: self.failed(), "always": lambda: True,
        }
        check(name in functions, f"the condition function {name} is not one this test knows")
        return functions[name](*arguments)


AZURE_PROJECT_ID = "6f1c2d3e-5a4b-4c3d-8e2f-0123456789ab"


class Azure:
    def __init__(self, world, api):
        self.world = world
        self.api = api
        self.doc = yaml.safe_load(open(os.path.join(world.source, "examples", "pipelines", "azure", "azure-pipelines.yml")))
        check(isinstance(self.doc, dict) and "jobs" in self.doc, "azure/azure-pipelines.yml has no jobs")
        for trigger in ("trigger", "pr", "schedules"):
            check(trigger in self.doc, f"azure-pipelines.yml has no {trigger}")
        self.threads = Comments(900)
        self.next_id = 9000
        self.builds = []  # newest last: {id, branch, result, artifacts: {name: zip}}
        base = r"/contoso/" + AZURE_PROJECT_ID + r"/_apis"
        self.heads = {}  # pull request -> its last commit
        api.route("GET", base + r"/git/repositories/sup-manifests/pullRequests/(\d+)/threads", self._list_threads)
        api.route("POST", base + r"/git/repositories/sup-manifests/pullRequests/(\d+)/threads", self._add_thread)
        api.route("PATCH", base + r"/git/repositories/sup-manifests/pullRequests/(\d+)/threads/(\d+)/comments/(\d+)", self._edit_comment)
        api.route("GET", base + r"/git/repositories/sup-manifests/pullRequests/(\d+)", self._pull_request)
        api.route("GET", base + r"/build/builds", self._find_builds)
        api.route("GET", base + r"/build/builds/(\d+)/artifacts", self._artifact)
        api.route("GET", base + r"/resources/Containers/(\d+)", self._container)

    def _list_threads(self, match, query, body):
        value = [{"id": i, "comments": [{"id": 1, "content": t["body"]}]} for i, t in self.threads.of(int(match.group(1)))]
        return 200, {"count": len(value), "value": value}

    def _add_thread(self, match, query, body):
        if body["comments"][0].get("parentCommentId") != 0:
            return 400, {"message": "a new thread's first comment has parentCommentId 0"}
        return 200, {"id": self.threads.add(int(match.group(1)), body["comments"][0]["content"])}

    def _edit_comment(self, match, query, body):
        if match.group(3) != "1" or not self.threads.edit(int(match.group(2)), body["content"], request=int(match.group(1))):
            return 404, {"message": "not found"}
        return 200, {"id": 1}

    def _pull_request(self, match, query, body):
        pr = int(match.group(1))
        return (200, {"pullRequestId": pr, "lastMergeSourceCommit": {"commitId": self.heads[pr]}}) if pr in self.heads else (404, {"message": "not found"})

    def _find_builds(self, match, query, body):
        found = [b for b in reversed(self.builds) if b["branch"] == query.get("branchName") and
                 (query.get("resultFilter") is None or b["result"] == query["resultFilter"])]
        top = int(query.get("$top", len(found)))
        return 200, {"count": len(found[:top]), "value": [{"id": b["id"], "triggerInfo": b["trigger"]} for b in found[:top]]}

    def _artifact(self, match, query, body):
        for build in self.builds:
            if build["id"] == int(match.group(1)) and query.get("artifactName") in build["artifacts"]:
                return 200, {"name": query["artifactName"],
                             "resource": {"downloadUrl": f"{self.api.url}/contoso/{AZURE_PROJECT_ID}/_apis/resources/Containers/{build['id']}?format=zip"}}
        return 404, {"message": "not found"}

    def _container(self, match, query, body):
        for build in self.builds:
            if build["id"] == int(match.group(1)) and build["artifacts"]:
                return 200, next(iter(build["artifacts"].values()))
        return 404, {"message": "not found"}

    def run(self, job_name, reason, snapshot, pull_request=None, message=""):
        """One job of a build for `reason` (PullRequest, IndividualCI, Schedule); (exit code, log)."""
        workspace, sha, temp = self.world.checkout(snapshot)
        branch = f"refs/pull/{pull_request}/merge" if pull_request else "refs/heads/main"
        variables = {
            "Build.Reason": reason, "Build.SourceBranch": branch, "Build.SourceVersion": sha, "Build.SourceVersionMessage": message,
            # A project name with a space: a URL made from it, not from its ID, breaks.
            "Build.Repository.ID": "sup-manifests", "System.CollectionUri": self.api.url + "/contoso/",
            "System.TeamProject": "Contoso Updates", "System.TeamProjectId": AZURE_PROJECT_ID,
            "System.DefinitionId": "12", "Agent.TempDirectory": temp, "TF_BUILD": "True",
        }
        if pull_request:
            variables["System.PullRequest.PullRequestId"] = str(pull_request)
            variables["System.PullRequest.SourceCommitId"] = sha
            self.heads[pull_request] = sha
        for entry in self.doc["variables"]:
            if "name" in entry:
                variables[entry["name"]] = str(entry["value"])
        variables |= self.world.variables  # set on the pipeline: they win over the file's
        secrets = dict(self.world.secrets) | {"System.AccessToken": TOKEN}
        jobs = {j["job"]: j for j in self.doc["jobs"]}
        job = jobs[job_name]
        failed = [False]
        if not AzureCondition(variables, lambda: failed[0]).value(job.get("condition", "succeeded()")):
            return None, f"job {job_name} does not run for {reason}"
        # Variables are the agent's environment, upper case with '_' for '.'; secrets are not.
        base = self.world.base_env() | {k.upper().replace(".", "_"): v for k, v in variables.items()}
        def macros(text):
            return re.sub(r"\$\(([A-Za-z0-9_.]+)\)", lambda m: str(variables.get(m.group(1), secrets.get(m.group(1), m.group(0)))), text)
        log = []
        code = 0
        build = {"id": None, "branch": branch, "result": None, "artifacts": {}, "trigger": {"pr.sourceSha": sha} if pull_request else {}}
        for step in job["steps"]:
            condition = step.get("condition", "succeeded()")
            if not AzureCondition(variables, lambda: failed[0]).value(condition):
                continue
            if "checkout" in step:
                continue
            if "publish" in step:
                data = zip_under(os.path.join(workspace, step["publish"]), step["artifact"])
                build["artifacts"][step["artifact"]] = data
                continue
            if "task" in step:
                check(step["task"].startswith("PublishTestResults@"), f"the pipeline uses the task {step['task']}, which this test does not know")
                continue
            env = base | {name: macros(str(value)) for name, value in (step.get("env") or {}).items()}
            step_code, output = run_shell(macros(step["bash"]), env, workspace, shell=("bash", "--noprofile", "--norc"))
            log.append(f"--- {step.get('displayName', 'bash')} (exit {step_code})\n{output}")
            if step_code != 0:
                failed[0] = True
                code = step_code
        self.next_id += 1
        build["id"] = self.next_id
        build["result"] = "failed" if failed[0] else "succeeded"
        self.builds.append(build)
        return code, "\n".join(log)


def zip_under(path, top):
    """The files under `path` in a zip, under a folder `top` (as a build artifact downloads)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for root, _, files in os.walk(path):
            for name in files:
                full = os.path.join(root, name)
                archive.write(full, os.path.join(top, os.path.relpath(full, path)))
    return out.getvalue()


# --- One flow on every platform ---------------------------------------------------------------------------
#
# A platform adapter runs its definition's jobs: plan(snapshot, request) on a push to a pull (merge)
# request, merge(snapshot, request) on the merge commit, drift(snapshot) on the nightly schedule,
# each returning (exit code, what the job showed); comments(request) are the plan comments the
# fake API holds, and last_plan() the zip the last plan job kept.


class GitHubFlow:
    name, noun = "github", "comment"

    def __init__(self, world, api):
        self.platform = GitHub(world, api)
        self.world = world

    def plan(self, snapshot, request):
        code, log, summary = self.platform.run("plan", "pull_request", snapshot, pull_request=request)
        return code, log + summary

    def comments(self, request):
        return [c for _, c in self.platform.comments.of(request)]

    def last_plan(self):
        return self.platform.artifacts[-1]["zip"]

    def merge(self, snapshot, request):
        head = self.world.snapshots[self.last_head][1]
        self.platform.pulls[self.world.snapshots[snapshot][1]] = (request, head)
        code, log, summary = self.platform.run("apply", "push", snapshot)
        return code, log + summary

    def drift(self, snapshot):
        code, log, summary = self.platform.run("drift", "schedule", snapshot)
        return code, log + summary


class GitLabFlow:
    name, noun = "gitlab", "note"

    def __init__(self, world, api):
        self.platform = GitLab(world, api)
        self.world = world

    def plan(self, snapshot, request):
        return self.platform.run("plan", "merge_request_event", snapshot, merge_request=request)

    def comments(self, request):
        return [c for _, c in self.platform.notes.of(request)]

    def last_plan(self):
        return self.platform.pipelines[-1]["jobs"][0]["zip"]

    def merge(self, snapshot, request):
        self.platform.commit_mr[self.world.snapshots[snapshot][1]] = request
        return self.platform.run("apply", "push", snapshot)

    def drift(self, snapshot):
        return self.platform.run("drift", "schedule", snapshot)


class AzureFlow:
    name, noun = "azure", "thread"

    def __init__(self, world, api):
        self.platform = Azure(world, api)

    def plan(self, snapshot, request):
        return self.platform.run("plan", "PullRequest", snapshot, pull_request=request)

    def comments(self, request):
        return [c for _, c in self.platform.threads.of(request)]

    def last_plan(self):
        return self.platform.builds[-1]["artifacts"]["supctl-plan"]

    def merge(self, snapshot, request):
        return self.platform.run("apply", "IndividualCI", snapshot, message=f"Merged PR {request}: Raise the WSUS pool queue")

    def drift(self, snapshot):
        return self.platform.run("drift", "Schedule", snapshot)


def flow(world, flow_class):
    """Two pushes to a request, a broken push and its fix, the merge, a merge with a stale plan, two
    nightly drift checks: what each job must do, on every platform alike."""
    api = Api()
    try:
        ci = flow_class(world, api)
        noun, request = ci.noun, 7
        v1 = world.snapshot("push-v1", pool_queue=3000)
        v2 = world.snapshot("push-v2", pool_queue=4000)
        world.snapshot("push-broken", pool_queue=4000, broken=True)
        world.snapshot("merge-1", pool_queue=4000)
        world.snapshot("merge-2", pool_queue=4000)

        code, log = ci.plan("push-v1", request)
        check(code == 0, f"the plan job of the first push exited {code}", log)
        comments = ci.comments(request)
        check(len(comments) == 1 and comments[0]["body"].startswith("<!-- supctl plan -->"), f"{len(comments)} marked {noun}s after the first plan", log)
        check("3000" in comments[0]["body"] and v1 in comments[0]["body"], f"the {noun} is not the first push's plan", comments[0]["body"])
        check("1 to change" in comments[0]["body"], f"the {noun} holds no plan of the one change", comments[0]["body"])
        check(plan_lineage(ci.last_plan()) == world.lineage(), "the plan job did not read the shared state", log)

        code, log = ci.plan("push-v2", request)
        check(code == 0, f"the plan job of the second push exited {code}", log)
        comments = ci.comments(request)
        check(len(comments) == 1, f"{len(comments)} {noun}s after the second push: the first was not updated", log)
        check(comments[0]["edits"] == 1 and "4000" in comments[0]["body"] and v2 in comments[0]["body"],
              f"the {noun} does not show the second push's plan", comments[0]["body"])

        # No shared state given (a fork's pull request, a protected variable, a missing group):
        # the job stops rather than plan against a state.db of the runner's own.
        state = world.secrets.pop("SUPCTL_STATE")
        try:
            code, log = ci.plan("push-v2", request)
        finally:
            world.secrets["SUPCTL_STATE"] = state
        check(code != 0 and "SUPCTL_STATE" in log, f"the plan job without SUPCTL_STATE exited {code}", log)
        check(ci.comments(request)[0]["edits"] == 1, f"a plan without the shared state changed the plan {noun}")

        # An invalid manifest fails the job and leaves the last good plan; the fix plans again.
        code, log = ci.plan("push-broken", request)
        check(code != 0, "the plan job passed with an invalid manifest", log)
        check("nowhere.contoso.com" in log or "registry_value.broken" in log, "the job log does not say what is invalid", log)
        check(ci.comments(request)[0]["edits"] == 1, f"an invalid push changed the plan {noun}")
        code, log = ci.plan("push-v2", request)
        check(code == 0, f"the plan job of the fixed push exited {code}", log)
        ci.last_head = "push-v2"

        # The merge applies the reviewed plan; a fresh clone then plans no changes.
        code, log = ci.merge("merge-1", request)
        check(code == 0, f"the apply job exited {code}", log)
        check("The plan reviewed on" in log and "stale" not in log, "the apply did not use the reviewed plan", log)
        converged, output = world.converged("merge-1")
        check(converged, "after the apply job a fresh clone still plans changes", output)

        # The same reviewed plan once more, now that the state has moved on: refused as stale with
        # its reason, planned again, applied.
        code, log = ci.merge("merge-2", request)
        check(code == 0, f"the apply job with a stale plan exited {code}", log)
        check("is stale" in log and "planning the merged manifests again" in log, "the stale plan was not refused and planned again", log)

        # Every night: no drift, then a change behind supctl's back.
        code, log = ci.drift("merge-2")
        check(code == 0, f"the drift job exited {code} with nothing drifted", log)
        world.supctl_run(["lab", "drift", world.servers, "registry_value.pr1wsus_wsus_pool_queue", "data=5"])
        code, log = ci.drift("merge-2")
        check(code == 2, f"the drift job exited {code} after a change behind supctl's back, not 2", log)
        check("pr1wsus_wsus_pool_queue" in log, "the drift job does not show the drift", log)
        check(api.unauthorized == 0, f"{api.unauthorized} API calls without the token")
        print(f"ok: {ci.name}: the plan {noun} posted then updated, an invalid manifest fails the job, the merge applies the "
              "reviewed plan, a stale plan is refused and planned again, drift fails the nightly job")
    finally:
        api.close()


SCENARIOS = {"github": GitHubFlow, "gitlab": GitLabFlow, "azure": AzureFlow}


def main(argv):
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    supctl, source, cluster_env = argv[1:4]
    platforms = argv[4:] or list(SCENARIOS)
    cluster = dict(line.split("=", 1) for line in open(cluster_env).read().splitlines() if "=" in line)
    failures = 0
    for platform in platforms:
        world = World(supctl, os.path.abspath(source), cluster, platform)
        try:
            flow(world, SCENARIOS[platform])
        except Failure as failure:
            failures += 1
            print(f"FAIL: {platform}: {failure}", file=sys.stderr)
        finally:
            world.cleanup()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
