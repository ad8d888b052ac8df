"""One Adam step, and one Adadelta, Adamax, RAdam, NAdam, Rprop and ASGD step, on 10^7 float64
parameters: the C update vs NumPy vs torch vs memory bandwidth.

Contenders, all timed in this process on arrays of the same size:
  fastoptim          Adam(check_finite=False).step(p, g): one in-place pass over p, g, m, v
  fastoptim_checked  Adam().step(p, g): the default, plus one read of g for the finiteness check
  numpy              the same step as a user writes it (in-place moment updates, then one
                     expression for the parameter update; temporaries for the rest)
  torch              torch.optim.Adam.step() with p.grad set once (only when torch imports),
                     torch.set_num_threads set to fastoptim's thread count; the default
                     (single-tensor) implementation, what a user gets on CPU
  torch_fused        the same with fused=True (torch's one-kernel CPU Adam), for information
  probe              fo_probe_read_u64 over 7 * 8 bytes per parameter: the 7 streams of the
                     update (p, g, m, v read; p, m, v written) at the probe's read bandwidth
Ratios: probe / fastoptim, the fraction of the read-bandwidth limit the step reaches (target
>= 0.70), and numpy / fastoptim (target >= 5); the others for information.  Steps keep running
on the same arrays between calls (Adam's step is bounded by lr, so values stay finite).

The rows of Adadelta, Adamax, RAdam, NAdam and Rprop (issue 21) have the same 7 streams (p, g
and two states read; p and the states written), ASGD's 5 (p, g and its average read; p and the
average written), and the same contenders but torch's fused form, which they do not have;
their steps are bounded too (Rprop's by its largest step size, 50), so the values stay finite.
"""
import math

import numpy as np

from common import Row, Target, interleaved_best

from fastoptim._config import effective_n_threads
from fastoptim._core import _probe
from fastoptim.optim.optimizers import ASGD, Adadelta, Adam, Adamax, NAdam, RAdam, Rprop

LR, BETAS, EPS = 1e-3, (0.9, 0.999), 1e-8


class NumpyAdam:
    """Adam (torch's equations) in plain NumPy, in place where it is natural."""

    def __init__(self, p):
        self.m = np.zeros_like(p)
        self.v = np.zeros_like(p)
        self.t = 0

    def step(self, p, g):
        b1, b2 = BETAS
        self.t += 1
        self.m *= b1
        self.m += (1 - b1) * g
        self.v *= b2
        self.v += (1 - b2) * g * g
        bc1, bc2 = 1 - b1 ** self.t, 1 - b2 ** self.t
        p -= (LR / bc1) * self.m / (np.sqrt(self.v) / math.sqrt(bc2) + EPS)


def _torch_contenders(p0, g0, n_threads):
    """{name: callable doing torch.optim.Adam.step() on copies of p0 / g0} ({} without torch),
    and a note."""
    try:
        import torch
    except ImportError:
        return {}, "torch not installed"
    torch.set_num_threads(n_threads)
    out = {}
    for name, kw in (("torch", {}), ("torch_fused", {"fused": True})):
        tp = torch.from_numpy(p0.copy()).requires_grad_(True)
        tp.grad = torch.from_numpy(g0.copy())
        try:
            opt = torch.optim.Adam([tp], lr=LR, betas=BETAS, eps=EPS, **kw)
            opt.step()
        except (RuntimeError, ValueError):  # fused not supported on this build
            continue
        out[name] = opt.step
    return out, f"torch {torch.__version__} ({torch.get_num_threads()} threads)"


class NumpyAdadelta:
    """Adadelta (torch's equations) in plain NumPy, in place where it is natural."""

    def __init__(self, p, rho=0.9, eps=1e-6):
        self.s = np.zeros_like(p)
        self.u = np.zeros_like(p)
        self.rho, self.eps = rho, eps

    def step(self, p, g):
        rho, eps = self.rho, self.eps
        self.s *= rho
        self.s += (1 - rho) * g * g
        d = np.sqrt(self.u + eps) / np.sqrt(self.s + eps) * g
        self.u *= rho
        self.u += (1 - rho) * d * d
        p -= d


class NumpyAdamax:
    """Adamax (torch's equations, lr 2e-3) in plain NumPy."""

    def __init__(self, p, lr=2e-3, betas=BETAS, eps=EPS):
        self.m = np.zeros_like(p)
        self.u = np.zeros_like(p)
        self.lr, self.betas, self.eps, self.t = lr, betas, eps, 0

    def step(self, p, g):
        b1, b2 = self.betas
        self.t += 1
        self.m *= b1
        self.m += (1 - b1) * g
        np.maximum(self.u * b2, np.abs(g) + self.eps, out=self.u)
        p -= (self.lr / (1 - b1 ** self.t)) * self.m / self.u


class NumpyRAdam:
    """RAdam (torch's equations) in plain NumPy."""

    def __init__(self, p, lr=LR, betas=BETAS, eps=EPS):
        self.m = np.zeros_like(p)
        self.v = np.zeros_like(p)
        self.lr, self.betas, self.eps, self.t = lr, betas, eps, 0

    def step(self, p, g):
        b1, b2 = self.betas
        self.t += 1
        self.m *= b1
        self.m += (1 - b1) * g
        self.v *= b2
        self.v += (1 - b2) * g * g
        bc1, bc2 = 1 - b1 ** self.t, 1 - b2 ** self.t
        rho_inf = 2 / (1 - b2) - 1
        rho_t = rho_inf - 2 * self.t * b2 ** self.t / bc2
        if rho_t > 5:
            r = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2)
                                                                 * rho_t))
            p -= (self.lr / bc1 * r * math.sqrt(bc2)) * self.m / (np.sqrt(self.v) + self.eps)
        else:
            p -= (self.lr / bc1) * self.m


class NumpyNAdam:
    """NAdam (torch's equations, lr 2e-3) in plain NumPy."""

    def __init__(self, p, lr=2e-3, betas=BETAS, eps=EPS, momentum_decay=4e-3):
        self.m = np.zeros_like(p)
        self.v = np.zeros_like(p)
        self.lr, self.betas, self.eps, self.psi, self.t, self.mu_product = (
            lr, betas, eps, momentum_decay, 0, 1.0)

    def step(self, p, g):
        b1, b2 = self.betas
        self.t += 1
        mu = b1 * (1 - 0.5 * 0.96 ** (self.t * self.psi))
        mu_next = b1 * (1 - 0.5 * 0.96 ** ((self.t + 1) * self.psi))
        self.mu_product *= mu
        self.m *= b1
        self.m += (1 - b1) * g
        self.v *= b2
        self.v += (1 - b2) * g * g
        denom = np.sqrt(self.v / (1 - b2 ** self.t)) + self.eps
        p -= (self.lr * (1 - mu) / (1 - self.mu_product)) * g / denom
        p -= (self.lr * mu_next / (1 - self.mu_product * mu_next)) * self.m / denom


class NumpyRprop:
    """Rprop (torch's equations, lr 1e-2) in plain NumPy."""

    def __init__(self, p, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50)):
        self.prev = np.zeros_like(p)
        self.d = np.full_like(p, lr)
        self.etas, self.step_sizes = etas, step_sizes

    def step(self, p, g):
        s = g * self.prev
        self.d *= np.where(s > 0, self.etas[1], np.where(s < 0, self.etas[0], 1.0))
        np.clip(self.d, *self.step_sizes, out=self.d)
        g = np.where(s < 0, 0.0, g)
        p -= np.sign(g) * self.d
        self.prev = g


class NumpyASGD:
    """ASGD (torch's equations, lr 1e-2) in plain NumPy."""

    def __init__(self, p, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6):
        self.ax = np.zeros_like(p)
        self.lr, self.lambd, self.alpha, self.t0 = lr, lambd, alpha, t0
        self.eta, self.mu, self.t = lr, 1.0, 0

    def step(self, p, g):
        self.t += 1
        p *= 1 - self.lambd * self.eta
        p -= self.eta * g
        if self.mu == 1:
            self.ax[...] = p
        else:
            self.ax += self.mu * (p - self.ax)
        self.eta = self.lr / (1 + self.lambd * self.lr * self.t) ** self.alpha
        self.mu = 1 / max(1, self.t - self.t0)


#: The rules of issue 21 with a row each: (name, fastoptim class, NumPy twin, torch.optim name,
#: the streams of its step).
NEW_RULES = (("Adadelta", Adadelta, NumpyAdadelta, "Adadelta", 7),
             ("Adamax", Adamax, NumpyAdamax, "Adamax", 7),
             ("RAdam", RAdam, NumpyRAdam, "RAdam", 7),
             ("NAdam", NAdam, NumpyNAdam, "NAdam", 7),
             ("Rprop", Rprop, NumpyRprop, "Rprop", 7),
             ("ASGD", ASGD, NumpyASGD, "ASGD", 5))


def _rule_row(label, cls, twin, torch_name, streams, p0, g0, n, n_threads, repeat, rounds):
    """One step of ``cls`` at its defaults on n float64 parameters; ``streams`` arrays of n
    values read or written (7 for p, g and two states read, p and the two states written, as
    Adam's)."""
    fo_p, np_p = p0.copy(), p0.copy()
    fo = cls(check_finite=False, n_threads=n_threads)
    ref = twin(np_p)
    probe_words = np.ones(streams * n, dtype=np.uint64)
    contenders = {
        "fastoptim": lambda: fo.step(fo_p, g0),
        "numpy": lambda: ref.step(np_p, g0),
        "probe": lambda: _probe.read_words(probe_words, n_threads),
    }
    note = "torch not installed"
    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None:
        torch.set_num_threads(n_threads)
        tp = torch.from_numpy(p0.copy()).requires_grad_(True)
        tp.grad = torch.from_numpy(g0.copy())
        topt = getattr(torch.optim, torch_name)([tp])
        topt.step()
        contenders["torch"] = topt.step
        note = (f"torch {torch.__version__} ({torch.get_num_threads()} threads), its default "
                f"(single-tensor) {torch_name}")
    times = interleaved_best(contenders, repeat, rounds)
    t_fo = times["fastoptim"]
    ratios = {"of_probe_bandwidth": times["probe"] / t_fo, "vs_numpy": times["numpy"] / t_fo}
    if "torch" in times:
        ratios["vs_torch"] = times["torch"] / t_fo
    nbytes = streams * 8 * n
    return Row(
        name=f"{label} step {n:.0e} params float64".replace("e+0", "e"),
        times=times,
        ratios=ratios,
        targets={"of_probe_bandwidth": Target(">=", 0.70), "vs_numpy": Target(">=", 5.0)},
        notes=(f"{nbytes / t_fo / 1e9:.1f} GB/s over {streams} streams, probe "
               f"{nbytes / times['probe'] / 1e9:.1f} GB/s, {n_threads} threads; {note}"),
    )


def rows(quick=False):
    n = 10 ** 6 if quick else 10 ** 7
    repeat, rounds = (6, 2) if quick else (24, 6)
    n_threads = effective_n_threads(None)
    rng = np.random.default_rng(0)
    p0 = rng.standard_normal(n)
    g0 = rng.standard_normal(n)

    fo_p, fo_checked_p, np_p = p0.copy(), p0.copy(), p0.copy()
    fo = Adam(lr=LR, betas=BETAS, eps=EPS, check_finite=False, n_threads=n_threads)
    fo_checked = Adam(lr=LR, betas=BETAS, eps=EPS, n_threads=n_threads)
    ref = NumpyAdam(np_p)
    probe_words = np.ones(7 * n, dtype=np.uint64)   # 7 streams of 8-byte values

    contenders = {
        "fastoptim": lambda: fo.step(fo_p, g0),
        "fastoptim_checked": lambda: fo_checked.step(fo_checked_p, g0),
        "numpy": lambda: ref.step(np_p, g0),
        "probe": lambda: _probe.read_words(probe_words, n_threads),
    }
    torch_steps, torch_note = _torch_contenders(p0, g0, n_threads)
    contenders.update(torch_steps)
    times = interleaved_best(contenders, repeat, rounds)

    t_fo = times["fastoptim"]
    ratios = {
        "of_probe_bandwidth": times["probe"] / t_fo,
        "vs_numpy": times["numpy"] / t_fo,
        "checked_overhead": times["fastoptim_checked"] / t_fo,
    }
    for name in torch_steps:
        ratios[f"vs_{name}"] = times[name] / t_fo
    nbytes = 7 * 8 * n
    notes = (f"{nbytes / t_fo / 1e9:.1f} GB/s over 7 streams, "
             f"probe {nbytes / times['probe'] / 1e9:.1f} GB/s, {n_threads} threads; "
             f"check_finite=True: {times['fastoptim_checked'] * 1e3:.2f} ms")
    notes += f"; {torch_note}"
    return [
        Row(
            name=f"Adam step {n:.0e} params float64".replace("e+0", "e"),
            times=times,
            ratios=ratios,
            targets={"of_probe_bandwidth": Target(">=", 0.70), "vs_numpy": Target(">=", 5.0)},
            notes=notes,
        ),
    ] + [_rule_row(*rule, p0, g0, n, n_threads, repeat, rounds) for rule in NEW_RULES]
