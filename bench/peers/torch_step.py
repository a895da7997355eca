#!/usr/bin/env python3
"""Peer for NetworkStepBenchmark: paper A's SGD step (train_sgd.py::train_nn) in PyTorch on CPU.

Two-layer bias-free network in NTK parameterisation (W1 / sqrt(d), w / sqrt(m)), output centred by f(theta_0),
mean hinge loss + (lambda/2) |w / sqrt(m)|^2, plain SGD. Prints steps per second (median of --reps timings of
--steps steps each) for --threads intra-op threads.
"""
import argparse
import time

import torch

ap = argparse.ArgumentParser()
ap.add_argument("--width", type=int, default=10000)
ap.add_argument("--batch", type=int, default=64)
ap.add_argument("--d", type=int, default=784)
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--steps", type=int, default=20)
ap.add_argument("--reps", type=int, default=5)
a = ap.parse_args()

torch.set_num_threads(a.threads)
torch.manual_seed(6)


class FCNN(torch.nn.Module):
    def __init__(self, d, m):
        super().__init__()
        self.d, self.m = d, m
        self.l1 = torch.nn.Linear(d, m, bias=False)
        self.out = torch.nn.Linear(m, 1, bias=False)
        torch.nn.init.normal_(self.l1.weight, 0, 1.0)
        torch.nn.init.normal_(self.out.weight, 0, 1.0)

    def forward(self, x):
        return self.out(torch.relu(self.l1(x) / self.d ** 0.5)) / self.m ** 0.5


net = FCNN(a.d, a.width)
opt = torch.optim.SGD(net.parameters(), lr=1.0)
n = 4096
x_all = torch.rand(n, a.d)
y_all = torch.where(torch.rand(n) < 0.5, -1.0, 1.0)
with torch.no_grad():
    init = net(x_all).squeeze(1)
lam = 0.001


def step(i):
    idx = torch.randint(0, n, (a.batch,))
    x, y = x_all[idx], y_all[idx]
    g = net(x).squeeze(1) - init[idx]
    hinge = torch.clamp(1 - y * g, min=0).mean()
    loss = hinge + lam / 2 * torch.sum((net.out.weight / a.width ** 0.5) ** 2)
    opt.zero_grad()
    loss.backward()
    opt.step()


for i in range(5):
    step(i)
times = []
for r in range(a.reps):
    t0 = time.perf_counter()
    for i in range(a.steps):
        step(i)
    times.append(time.perf_counter() - t0)
times.sort()
med = times[len(times) // 2]
print("torch", torch.__version__)
print("threads", torch.get_num_threads())
print("steps_per_s", a.steps / med)
print("times_s", " ".join("%.4f" % t for t in times))
