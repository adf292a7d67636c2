#!/usr/bin/python3
"""Checks the layering rule of docs/architecture.md on include/pinfuse/.

Every `#include "pinfuse/..."` of a header in folder F must name a header in
one of the folders F may use (ALLOWED below, the table in
docs/architecture.md#layers), or one of the single headers F may use
(ALLOWED_FILES). The solvers and the plan never see the reference
accelerator, the io formats, the bundled model or the SPM model. A folder's
internals live in its detail/ subfolder (pinfuse/F/detail/...): F's own
headers may include them, no other folder's may, whatever the table allows
(they include F's public headers instead). Also checks
the umbrella headers: pinfuse/<folder>.hpp includes every header of the folder
or names it on its "// Not included" line and includes no detail/ header, and
pinfuse/pinfuse.hpp includes every umbrella; and that the code next to
INCLUDE_DIR that uses the library as a user does (USER_CODE: the examples, the
tool, the benchmarks, the packaging consumer) includes no detail/ header.
Prints every include that breaks a rule, as FILE:LINE, and exits 1 if there is one.
Run by ctest as `layering`.
Usage: scripts/check_layering.py [INCLUDE_DIR]   (default: include/ of this repository)
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# folder -> folders its headers may include (their own is always allowed)
ALLOWED = {
    "core": {"concepts"},
    "concepts": {"core"},
    "model": {"core", "concepts"},
    "memory": {"core", "concepts"},
    "plan": {"core", "concepts"},
    "solvers": {"core", "concepts", "plan"},
    "accel": {"core", "concepts", "model", "memory"},
    "io": {"core", "concepts", "model", "plan"},
    "report": {"core", "concepts", "plan"},
}
# folder -> single headers of other folders it may include
ALLOWED_FILES = {
    "plan": {"memory/allocator.hpp"},  # the SPM allocator stands alone (plan/layout.hpp)
    "io": {"accel/hardware.hpp",       # the hardware file format describes the reference accelerator's parameters
           "memory/allocation_request.hpp",  # allocation instances as text are the allocator's requests
           "solvers/ilp_model.hpp"},   # the LP and MPS writers write the ILP the solvers formulate
}
# folders next to INCLUDE_DIR whose code uses only the public headers (tests may include internals)
USER_CODE = ("examples", "tools", "benchmarks", os.path.join("tests", "consumer"))
INCLUDE = re.compile(r'^\s*#\s*include\s+"pinfuse/([^"]+)"')


def is_detail(target):
    """Whether an include target (FOLDER/...) names a folder's internals, FOLDER/detail/..."""
    return target.split("/")[1:2] == ["detail"]


def violations(include_dir):
    base = os.path.join(include_dir, "pinfuse")
    found = []
    for folder, _, files in os.walk(base):
        for name in sorted(files):
            path = os.path.join(folder, name)
            relative = os.path.relpath(path, base)
            if os.sep not in relative:
                continue  # pinfuse.hpp and the folder umbrellas: umbrella_gaps()
            own = relative.split(os.sep)[0]
            if own not in ALLOWED:
                found.append(f"{path}: folder '{own}' is not in the layering table (scripts/check_layering.py)")
                continue
            with open(path, encoding="utf-8") as f:
                for number, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    target = m.group(1)
                    other = target.split("/")[0]
                    if other != own and is_detail(target):
                        found.append(f"{path}:{number}: {own}/ may not include pinfuse/{target}: "
                                     f"it is internal to {other}/ (include a public {other}/ header instead)")
                        continue
                    if other == own or other in ALLOWED[own] or target in ALLOWED_FILES.get(own, set()):
                        continue
                    found.append(f"{path}:{number}: {own}/ may not include pinfuse/{target} "
                                 f"(allowed: {', '.join(sorted(ALLOWED[own] | ALLOWED_FILES.get(own, set())))})")
    return found


def umbrella_gaps(include_dir):
    """Headers a folder umbrella (pinfuse/<folder>.hpp) leaves out without naming
    them in its "Not included" line, and umbrellas pinfuse.hpp leaves out."""
    base = os.path.join(include_dir, "pinfuse")
    found = []
    folders = sorted(f for f in os.listdir(base) if os.path.isdir(os.path.join(base, f)))
    everything = ""
    if os.path.exists(os.path.join(base, "pinfuse.hpp")):
        with open(os.path.join(base, "pinfuse.hpp"), encoding="utf-8") as f:
            everything = f.read()
    for folder in folders:
        umbrella = os.path.join(base, folder + ".hpp")
        if not os.path.exists(umbrella):
            found.append(f"{umbrella}: missing (every folder has an umbrella header)")
            continue
        if f'#include "pinfuse/{folder}.hpp"' not in everything:
            found.append(f"{os.path.join(base, 'pinfuse.hpp')}: does not include pinfuse/{folder}.hpp")
        with open(umbrella, encoding="utf-8") as f:
            text = f.read()
        included = {m.group(1) for m in map(INCLUDE.match, text.splitlines()) if m}
        for header in sorted(h for h in included if is_detail(h)):
            found.append(f"{umbrella}: includes pinfuse/{header}, an internal header (umbrellas list the public ones)")
        left_out = next((line for line in text.splitlines() if line.startswith("// Not included")), "")
        for name in sorted(os.listdir(os.path.join(base, folder))):
            header = f"{folder}/{name}"
            if name.endswith(".hpp") and header not in included and header not in left_out:
                found.append(f"{umbrella}: neither includes pinfuse/{header} nor names it as not included")
    return found


def user_code_internals(include_dir):
    """Includes of a detail/ header in the user code next to include_dir (USER_CODE)."""
    root = os.path.dirname(os.path.abspath(include_dir))
    found = []
    for user in USER_CODE:
        for folder, _, files in sorted(os.walk(os.path.join(root, user))):
            for name in sorted(f for f in files if f.endswith((".cpp", ".hpp", ".h"))):
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8") as f:
                    for number, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if m and is_detail(m.group(1)):
                            found.append(f"{path}:{number}: {user}/ uses the library as a user does and may not include "
                                         f"pinfuse/{m.group(1)}, an internal header")
    return found


def main():
    include_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "include")
    if not os.path.isdir(os.path.join(include_dir, "pinfuse")):
        sys.exit(f"{include_dir}: no pinfuse/ folder")
    found = violations(include_dir) + umbrella_gaps(include_dir) + user_code_internals(include_dir)
    for v in found:
        print(v)
    print(f"layering: {len(found)} include(s) break the rule of docs/architecture.md" if found
          else "layering: every include follows docs/architecture.md")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
