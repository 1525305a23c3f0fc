#!/usr/bin/env bash
# setup.sh: on a fresh device machine, install the carried wheels into $W/site and copy the code and the
# carried data out of the checkout (later calls re-send the checkout; running jobs must not see it change).
set -eu
W=${W:-/tmp/gpu}
mkdir -p "$W/code" "$W/data"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$W/site" .carry/whl/*.whl
tar cf - --exclude=.carry --exclude=.git --exclude=pretrained --exclude=docs . | tar xf - -C "$W/code"
cp -r .carry/camvid_compact/train "$W/data/"
python3 -c "import torch, numpy, timm; print('torch', torch.__version__, 'numpy', numpy.__version__, 'timm', timm.__version__, torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'no cuda')"
