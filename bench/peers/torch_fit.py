#!/usr/bin/env python3
"""Peer for FitEpochBenchmark: one training epoch of paper B's mean-field network or neural-tangent model in PyTorch (CPU).

Written the way a PyTorch user writes these models (spec shared/spec/PAPERS.md sections 7.3-7.4): autograd for the
gradients, torch.optim for the updates.

* nn: h = relu(x W1 + b1), y_hat = h a / N + c; square loss on one-hot targets (mean over the batch of the sum over
  classes) + rho |W1|^2 / 2; gradients rescaled by N (W1, b1) and N*C (a), as the reference's mean-field train op;
  SGD with momentum 0.9; a new random order every epoch.
* nt: frozen unit-norm W and a0; y_hat = relu(xW) a + c + (s(xW) * (x G^T)) a0^T with s = (sign + 1)/2; the same loss
  + rho |G|^2 / 2; Adam; the data in order. xW is recomputed every batch unless --cache-z (then computed once, as
  Tangent's --feature-cache does).

Random data of the benchmark's shape (rows scaled to norm sqrt(d), labels 0..C-1). Prints the median seconds per
epoch of --epochs timed epochs after one warm-up epoch, for --threads intra-op threads.
"""
import argparse
import time

import torch

ap = argparse.ArgumentParser()
ap.add_argument("--model", choices=["nn", "nt"], default="nn")
ap.add_argument("--width", type=int, default=4096)
ap.add_argument("--batch", type=int, default=1000)
ap.add_argument("--n", type=int, default=60000)
ap.add_argument("--d", type=int, default=784)
ap.add_argument("--classes", type=int, default=10)
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--epochs", type=int, default=3)
ap.add_argument("--cache-z", action="store_true")
a = ap.parse_args()

torch.set_num_threads(a.threads)
torch.manual_seed(1990)
n, d, N, C = a.n, a.d, a.width, a.classes
x_all = torch.randn(n, d)
x_all = x_all / x_all.norm(dim=1, keepdim=True) * d ** 0.5
y_all = torch.randint(0, C, (n,))
onehot_all = torch.nn.functional.one_hot(y_all, C).float()
rho = 2e-6

if a.model == "nn":
    W1 = (torch.randn(d, N) / d ** 0.5).requires_grad_()
    b1 = torch.full((1, N), 0.01, requires_grad=True)
    A = torch.randn(N, C).requires_grad_()
    c = torch.zeros(1, C, requires_grad=True)
    params = [W1, b1, A, c]
    scales = [N, N, N * C, 1]
    opt = torch.optim.SGD(params, lr=1e-3, momentum=0.9)

    def loss_of(xb, tb, zb):
        h = torch.relu(xb @ W1 + b1)
        yhat = h @ A / N + c
        return ((tb - yhat) ** 2).sum(dim=1).mean() + rho * (W1 ** 2).sum() / 2
else:
    W = torch.randn(d, N)
    W = W / W.norm(dim=0, keepdim=True)
    a0 = torch.randn(C, N)
    A = torch.zeros(N, C, requires_grad=True)
    c = torch.zeros(1, C, requires_grad=True)
    G = torch.zeros(N, d, requires_grad=True)
    params = [A, c, G]
    scales = [1, 1, 1]
    opt = torch.optim.Adam(params, lr=1e-3)
    z_all = x_all @ W if a.cache_z else None

    def loss_of(xb, tb, zb):
        z = zb if zb is not None else xb @ W
        s = 0.5 * (torch.sign(z) + 1.0)
        yhat = torch.relu(z) @ A + c + (s * (xb @ G.t())) @ a0.t()
        return ((tb - yhat) ** 2).sum(dim=1).mean() + rho * (G ** 2).sum() / 2


def epoch():
    order = torch.randperm(n) if a.model == "nn" else None
    for s in range(n // a.batch):
        if order is None:
            sl = slice(s * a.batch, (s + 1) * a.batch)
            xb, tb = x_all[sl], onehot_all[sl]
            zb = z_all[sl] if a.model == "nt" and z_all is not None else None
        else:
            idx = order[s * a.batch:(s + 1) * a.batch]
            xb, tb, zb = x_all[idx], onehot_all[idx], None
        opt.zero_grad()
        loss = loss_of(xb, tb, zb)
        loss.backward()
        if a.model == "nn":
            with torch.no_grad():
                for p, k in zip(params, scales):
                    if k != 1:
                        p.grad.mul_(k)
        opt.step()


epoch()
times = []
for e in range(a.epochs):
    t0 = time.perf_counter()
    epoch()
    times.append(time.perf_counter() - t0)
times.sort()
print("torch", torch.__version__)
print("threads", torch.get_num_threads())
print("model", a.model, "width", N, "batch", a.batch, "n", n, "cache_z", a.cache_z)
print("seconds_per_epoch", times[len(times) // 2])
print("times_s", " ".join("%.3f" % t for t in times))
