# One PyTorch CPU training process for the bench's native reference rows (src/native.ts): builds
# the MLP or the CNN of the nn rows (the same layers; Adam 1e-3, 0.9, 0.999, 1e-7; softmax
# cross-entropy), loads the samples the Nabla side trains on from a raw float32 file (pixels,
# then one-hot labels), fits one batch to warm up, then trains one epoch per 'epoch' line on
# stdin (no shuffling, the loss read after every step as a fit loop does) and answers
# '<seconds> <mean loss>'. Threads: torch.set_num_threads and OMP_NUM_THREADS, set by the caller.
import sys
import time

import numpy as np
import torch
from torch import nn

kind, threads, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
samples, batch = int(sys.argv[4]), int(sys.argv[5])
torch.set_num_threads(threads)
torch.manual_seed(71)
raw = np.fromfile(path, dtype=np.float32)
x = torch.from_numpy(raw[: samples * 784].copy())
y = torch.from_numpy(raw[samples * 784 : samples * 794].copy()).view(samples, 10).argmax(1)
if kind == "mlp":
    x = x.view(samples, 784)
    model = nn.Sequential(
        nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10)
    )
else:
    x = x.view(samples, 1, 28, 28)
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.BatchNorm2d(32, eps=1e-3, momentum=0.01),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.BatchNorm2d(64, eps=1e-3, momentum=0.01),
        nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10),
    )
model.train()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
loss_fn = nn.CrossEntropyLoss()


def step(xb, yb):
    optimizer.zero_grad(set_to_none=True)
    loss = loss_fn(model(xb), yb)
    loss.backward()
    optimizer.step()
    return loss.item()


def epoch():
    total = 0.0
    for i in range(0, samples, batch):
        total += step(x[i : i + batch], y[i : i + batch]) * min(batch, samples - i)
    return total / samples


step(x[:batch], y[:batch])
print(f"ready {torch.__version__} {torch.get_num_threads()}", flush=True)
for line in sys.stdin:
    if line.strip() != "epoch":
        break
    start = time.perf_counter()
    loss = epoch()
    print(f"{time.perf_counter() - start} {loss}", flush=True)
