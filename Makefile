# Two commands do all set-up on a fresh machine:
#   make run    installs radfeat in .venv and runs the main job: `radfeat benchmark` (classical
#               pipelines vs CNNs on radfeat's embedded synthetic lesion set; a few minutes on 2 cores)
#   make test   installs the test dependencies (pyradiomics as oracle) and runs every test
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
# The CNN baseline needs torch; this pin is a small CPU build (pass TORCH=torch for a CUDA build).
TORCH ?= torch==2.13.0

.PHONY: run test test-nojit bench-quick clean

$(VENV)/.radfeat: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip
	$(PIP) install '$(TORCH)'
	$(PIP) install -e '.[benchmark]'
	touch $@

# pyradiomics' setup.py imports numpy, so it cannot build in an isolated environment.
$(VENV)/.radfeat-test: $(VENV)/.radfeat
	$(PIP) install -e '.[test,benchmark,dask]' numpy setuptools wheel versioneer
	$(PIP) install --no-build-isolation 'pyradiomics==3.0.1'
	touch $@

run: $(VENV)/.radfeat
	$(VENV)/bin/radfeat benchmark --out radfeat_benchmark/synthetic

# The quick speed suite runs after the full suite, on the kernels the suite compiled and cached,
# so it times a warm start (under a minute) rather than the one-off cold JIT compile.
test: $(VENV)/.radfeat-test
	$(MAKE) test-nojit
	$(PY) -m pytest -q
	$(MAKE) bench-quick

# The speed suite in quick mode: checks it still runs and that radfeat and pyradiomics agree on
# every feature it times (asserts no time).
bench-quick: $(VENV)/.radfeat-test
	$(PY) benchmarks/speed.py --quick --no-save

# The kernels once more as plain Python (NUMBA_DISABLE_JIT=1), so coverage sees kernel code.
test-nojit: $(VENV)/.radfeat-test
	NUMBA_DISABLE_JIT=1 $(PY) -m pytest -q -m "not heavy" tests/test_discretize.py tests/test_firstorder.py \
	    tests/test_shape.py tests/test_glcm.py tests/test_glrlm.py tests/test_glszm.py tests/test_gldm.py tests/test_ngtdm.py \
	    tests/test_color.py tests/test_lbp.py tests/test_haralick.py tests/test_gabor.py

clean:
	rm -rf $(VENV) .pytest_cache
