r"""Optimizers: chains of transforms (:mod:`fastoptim.optim.transforms`) applied
by the C core in one in-place pass per step.

The equations and defaults are torch.optim's, so that the same gradients give
the same parameters (to rounding; tested to 1e-12 in float64).  Unlike
torch, parameters are NumPy arrays passed at each step::

    opt = Adam(lr=1e-3)
    for ...:
        opt.step(w, grad)          # w updated in place

``step`` takes one array or a list of arrays (with a list of gradients of
the same shapes and dtypes); the state (moments, buffers) is created at the
first step, is an attribute (``opt.state``), pickles with the optimizer and
continues exactly after unpickling.  ``reset()`` forgets it.  NAdam's running
product of momentum factors and ASGD's step size are numbers carried from step to
step (by the C core too, inside an epoch); they are in ``state_dict()`` with the
step count, and pickle likewise.
"""
from __future__ import annotations

import inspect
import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .._threads import effective_n_threads
from .._core import _status, _update
from .transforms import (AddDecayedWeights, DecoupledWeightDecay, Momentum, ScaleByAdadelta,
                         ScaleByAdagrad, ScaleByAdam, ScaleByAdamax, ScaleByASGD,
                         ScaleByLearningRate, ScaleByNAdam, ScaleByRAdam, ScaleByRMS,
                         ScaleByRprop, Transform, _real, compile_chain)

#: The Parameters entries every optimizer class shares (the keyword-only arguments of
#: :class:`Optimizer`), at the end of each class's Parameters section.
_STEP_OPTIONS_DOC = """\
    maximize : bool, default False
        Ascend instead of descend (torch's flag); see :class:`Optimizer`.
    check_finite : bool, default True
        Refuse non-finite gradients and steps; see :class:`Optimizer`.
    n_threads : int, optional
        Threads of the update; see :class:`Optimizer`.
    param_groups : list of dict, optional
        torch's parameter groups: ``[{'params': [0, 2], 'lr': 1e-2}, ...]``, the
        arrays of each group (indices into step()'s list, or a network's names
        such as ``'biases'``) and the constructor arguments it overrides; see
        :class:`Optimizer`.
"""

#: The keyword arguments that hold for the whole optimizer (a parameter group cannot set them).
_OPTIMIZER_WIDE = ("maximize", "check_finite", "n_threads", "param_groups")

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSProp", "RMSprop", "Adam", "AdamW", "Adadelta",
           "Adamax", "RAdam", "NAdam", "Rprop", "ASGD"]


class Optimizer:
    """A chain of transforms applied by the C core, with explicit state.

    Parameters
    ----------
    *transforms : Transform
        The chain, in the order :func:`~fastoptim.optim.transforms.compile_chain` accepts,
        ending with ScaleByLearningRate.
    maximize : bool, default False
        Ascend instead of descend: the gradient's sign is flipped before the
        chain (torch.optim's ``maximize``), so that a step increases the
        objective whose gradient is given.  The estimators and the training
        engine, which minimize their losses, refuse an optimizer with it.
    check_finite : bool, default True
        Refuse (FloatingPointError, parameters and state untouched) a step whose
        gradients hold NaN or infinity, or that would make a parameter or a state
        value NaN or infinite; costs one extra read of the gradients and a dry
        run of the update.  False skips both checks.
    n_threads : int, optional
        Threads for arrays of 32768 values or more (None, the default: what OpenMP
        allows).
    param_groups : list of dict, optional
        torch's parameter groups: arrays whose hyper-parameters differ from the
        optimizer's.  Each dict has ``'params'``, the arrays of the group, and the
        hyper-parameters it overrides: any argument of the optimizer's constructor
        but the three above (a hand-built chain's groups: ``lr``, and
        ``weight_decay`` when the chain has a weight decay transform), e.g.
        ``[{'params': [0, 2], 'lr': 1e-2}, {'params': [1], 'weight_decay': 0.0}]``.
        For :meth:`step`, ``'params'`` are indices into its list of arrays (an
        int or a list of ints); for the networks (the MLP estimators' ``solver``,
        :meth:`fastoptim.neural_network.Network.train_epoch`) they may also name
        the network's arrays: ``'weights'``, ``'biases'``, ``'gammas'``,
        ``'betas'`` (those of every layer), ``'weights[l]'`` and so on (layer
        l's, negative l counting from the output layer), ``'layers[l]'`` (all of
        layer l's), or ints indexing ``Network.param_names`` (the order of
        torch's ``model.parameters()`` for the same ``nn.Sequential``).  An
        array in no group takes the optimizer's own hyper-parameters (the
        default group, last in :attr:`param_groups`); an array in two groups is
        a ValueError.  Every group keeps the step count t of the optimizer.
        Setting :attr:`lr` (as the schedules do) scales every group's rate by
        the same factor: a group given ``lr`` gets ``lr * opt.lr / lr0`` (lr0
        the optimizer's rate at construction), the others ``opt.lr``; setting
        SGD's :attr:`~SGD.momentum` sets it in every group with momentum.

    Attributes
    ----------
    state : list of dict or None
        Per parameter array, the state arrays by name (None before the first step).
    n_steps : int
        Steps taken since construction or the last reset().
    """

    _groups = ()      # (spec, chain) per parameter group: the group as given, its optimizer
    _base_lr = None   # the rate at construction, which the groups' rates are relative to

    def __init__(self, *transforms: Transform, maximize: bool = False, check_finite: bool = True,
                 n_threads: int | None = None,
                 param_groups: Sequence[Mapping[str, Any]] | None = None) -> None:
        self.transforms = list(transforms)
        self.maximize = bool(maximize)
        self._compile()
        self.check_finite = bool(check_finite)
        self.n_threads = n_threads
        self.state = None
        self.n_steps = 0
        self._scalars = {}  # the carried scalars after n_steps steps (empty: the rule's start)
        self._l1_state = None  # run_epoch's cumulative L1 penalty (u, q), once it has one
        self._base_lr = self.lr
        if param_groups is not None:
            self._groups = self._build_groups(param_groups)

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.__dict__.setdefault("_scalars", {})  # pickled before the carried scalars
        self.__dict__.setdefault("_l1_state", None)  # pickled before the L1 penalty

    # -- the carried scalars -----------------------------------------------------------

    @property
    def _scalar_names(self):
        """The C rule's carried scalars this chain has (NAdam's mu_product, ASGD's eta)."""
        return tuple(n for t in self.transforms for n in t.scalar_names)

    def _next_rule(self):
        """The C rule of the next step: its number and the carried scalars."""
        return dict(self._rule, t=self.n_steps + 1, **self._scalars)

    def _next_rules(self):
        """The C rule of the next step of each of :meth:`_chains`: every group's own rule and
        carried scalars (which depend on the group's hyper-parameters) at this step number."""
        return [dict(chain._rule, t=self.n_steps + 1, **chain._scalars)
                for chain in self._chains()]

    def _carried(self):
        """The carried scalars the next step starts from (the rule's start values before the
        first step)."""
        rule = self._next_rule()
        return {k: rule[k] for k in self._scalar_names}

    def _took_steps(self, carried):
        """After C ran steps from :meth:`_next_rule` (or :meth:`_next_rules`): ``carried`` is
        the rule's next step and carried scalars (``_core._cdefs.rule_carried``), or a list of
        them, one per group of :meth:`_chains`, each moved past the same steps."""
        carried = [carried] if isinstance(carried, Mapping) else list(carried)
        chains = self._chains()
        if len(carried) != len(chains):
            raise ValueError(f"{len(carried)} carried rules for {len(chains)} parameter groups")
        self.n_steps = int(carried[-1]["t"]) - 1
        for chain, c in zip(chains, carried):
            chain._scalars = {k: float(c[k]) for k in chain._scalar_names}

    # -- parameter groups ------------------------------------------------------------

    def _group_keys(self):
        """The hyper-parameters a group may set."""
        args = getattr(self, "_args", None)
        if args is not None:
            return tuple(args)
        decay = self._get((AddDecayedWeights, DecoupledWeightDecay)) is not None
        return ("lr", "weight_decay") if decay else ("lr",)

    def _group_chain(self, options):
        """The optimizer of a group: this one's class (or chain) with ``options`` overridden;
        its constructor checks the values."""
        args = getattr(self, "_args", None)
        wide = dict(maximize=self.maximize, check_finite=self.check_finite,
                    n_threads=self.n_threads)
        if args is not None:
            return type(self)(**dict(args, **options), **wide)
        chain = []
        for t in self.transforms:
            if isinstance(t, ScaleByLearningRate) and "lr" in options:
                t = ScaleByLearningRate(options["lr"])
            elif isinstance(t, (AddDecayedWeights, DecoupledWeightDecay)) and \
                    "weight_decay" in options:
                t = type(t)(options["weight_decay"])
            chain.append(t)
        return Optimizer(*chain, **wide)

    def _build_groups(self, param_groups):
        if isinstance(param_groups, (str, Mapping)) or not isinstance(param_groups, Sequence):
            raise TypeError(f"param_groups must be a list of dicts such as [{{'params': [0, 2], "
                            f"'lr': 1e-2}}], got {param_groups!r}")
        keys, owner, groups = self._group_keys(), {}, []
        for k, group in enumerate(param_groups):
            where = f"param_groups[{k}]"
            if not isinstance(group, Mapping):
                raise TypeError(f"{where} must be a dict with 'params' and the hyper-parameters "
                                f"the group overrides, got {group!r}")
            if "params" not in group:
                raise ValueError(f"{where} has no 'params' (the indices or names of the group's "
                                 f"arrays)")
            params = _group_params(group["params"], where)
            for item in params:
                if owner.setdefault(item, k) != k:
                    raise ValueError(f"{where}['params'] holds {item!r}, which "
                                     f"param_groups[{owner[item]}] holds too; an array belongs "
                                     f"to one group")
            options = {key: v for key, v in group.items() if key != "params"}
            for key in options:
                if key not in keys:
                    why = ("is the whole optimizer's" if key in _OPTIMIZER_WIDE else
                           f"is not a hyper-parameter of {type(self).__name__}")
                    raise ValueError(f"{where} has the key {key!r}, which {why}; a group may set "
                                     f"{', '.join(map(repr, keys))}")
            try:
                chain = self._group_chain(options)
            except (TypeError, ValueError) as exc:
                raise type(exc)(f"{where}: {exc}") from None
            groups.append((dict(params=params, **options), chain))
        return groups

    def _chains(self):
        """The optimizer of each group, the default group (this one) last."""
        return [chain for _, chain in self._groups] + [self]

    def _group_of(self, n, resolve=None, what="step()'s list", names=None):
        """Per array of n, the index into _chains() of its group.  ``resolve(name)``: the
        indices a name stands for (a network's), a ValueError for a name it does not know;
        ``names``: the arrays' names, for the messages."""
        owners = [len(self._groups)] * n
        for k, (spec, _) in enumerate(self._groups):
            for item in spec["params"]:
                if isinstance(item, str):
                    if resolve is None:
                        raise ValueError(f"param_groups[{k}]['params'] names {item!r}, a "
                                         f"network's arrays; {what} takes the arrays by their "
                                         f"index in it")
                    try:
                        indices = resolve(item)
                    except ValueError as exc:
                        raise ValueError(f"param_groups[{k}]['params']: {exc}") from None
                elif item >= n:
                    raise ValueError(f"param_groups[{k}]['params'] holds {item}, but {what} has "
                                     f"{n} arrays (indices 0..{n - 1})")
                else:
                    indices = [item]
                for i in indices:
                    if owners[i] not in (k, len(self._groups)):
                        array = f"array {i}" if names is None else repr(names[i])
                        raise ValueError(f"{array} is in param_groups[{owners[i]}] and in "
                                         f"param_groups[{k}] ({item!r}); an array belongs to "
                                         f"one group")
                    owners[i] = k
        return owners

    @property
    def param_groups(self) -> list[dict[str, Any]]:
        """The hyper-parameters of each group, as torch's ``param_groups``, read only (a
        write is a TypeError: set :attr:`lr`, which scales every group's rate).

        One dict per group given to the constructor, with its ``'params'`` as given, then
        the default group, with ``'params'`` None (the arrays of no group); without groups,
        one dict with ``'params'`` the indices of the arrays stepped (``[]`` before the
        first step).  Each holds the rate a schedule set, the constructor's arguments of
        the group, ``maximize`` and the names of its chain; with groups, once a step was
        taken, each also holds the numbers its rule carries from step to step (NAdam's
        ``mu_product``, ASGD's ``eta``), which depend on the group's own hyper-parameters.
        """
        return [_ReadOnlyGroup(group) for group in self._group_entries()]

    def _group_entries(self):
        """param_groups as plain dicts (state_dict's)."""
        if not self._groups:
            params = list(range(len(self.state))) if self.state is not None else []
            return [dict(self._hyper_parameters(), params=params)]
        stepped = self.state is not None  # then each group holds its carried scalars too
        return [dict(spec, params=list(spec["params"]), **chain._hyper_parameters(),
                     **(chain._carried() if stepped else {}))
                for spec, chain in self._groups] + [
                    dict(self._hyper_parameters(), params=None,
                         **(self._carried() if stepped else {}))]

    # -- hyper-parameters that schedules change -------------------------------------

    def _get(self, cls):
        for t in self.transforms:
            if isinstance(t, cls):
                return t
        return None

    @property
    def lr(self) -> float:
        """The learning rate of the next step (schedules set it); with param_groups, the
        default group's (setting it scales every group's rate alike)."""
        return self._get(ScaleByLearningRate).lr

    def _replace(self, cls, new):
        """Swap the transform of class cls for `new` (already validated) and rebuild the rule."""
        self.transforms = [new if isinstance(t, cls) else t for t in self.transforms]
        self._compile()

    def _compile(self):
        """The C rule of the chain (and of ``maximize``)."""
        self._rule = dict(compile_chain(self.transforms), maximize=self.maximize)

    def _rates(self, value):
        """The ScaleByLearningRate of each of _chains() when lr is set to value (checked)."""
        default = ScaleByLearningRate(value)
        factor = default.lr / self._base_lr if self._groups else 1.0
        try:
            return [ScaleByLearningRate(spec["lr"] * factor) if "lr" in spec else default
                    for spec, _ in self._groups] + [default]
        except ValueError as exc:
            raise ValueError(f"lr={value!r} scales a group's rate to an invalid one ({exc})") \
                from None

    @lr.setter
    def lr(self, value: float) -> None:
        for chain, rate in zip(self._chains(), self._rates(value)):
            chain._replace(ScaleByLearningRate, rate)

    # -- stepping ------------------------------------------------------------------

    @staticmethod
    def _as_list(params, grads):
        single = isinstance(params, np.ndarray)
        if single:
            params, grads = [params], [grads]
        if not isinstance(params, (list, tuple)) or not isinstance(grads, (list, tuple)):
            raise TypeError("params and grads must be arrays, or lists of arrays")
        if len(params) != len(grads):
            raise ValueError(f"params has {len(params)} arrays but grads has {len(grads)}")
        return list(params), list(grads)

    def _check_pair(self, i, p, g):
        where = "" if i is None else f"[{i}]"
        if not isinstance(p, np.ndarray) or p.dtype not in (np.float32, np.float64):
            raise TypeError(f"params{where} must be a float32 or float64 ndarray (updated in "
                            f"place), got {type(p).__name__} {getattr(p, 'dtype', '')}")
        if not (p.flags.c_contiguous and p.flags.writeable):
            raise ValueError(f"params{where} must be a writeable C-contiguous array to be "
                             f"updated in place; use np.ascontiguousarray and keep that array")
        g = np.asarray(g)
        if g.shape != p.shape:
            raise ValueError(f"grads{where} has shape {g.shape} but params{where} has {p.shape}")
        if g.dtype != p.dtype:
            raise TypeError(f"grads{where} has dtype {g.dtype} but params{where} has {p.dtype}; "
                            f"they must match")
        return np.ascontiguousarray(g)

    def _init_state(self, params, chains=None):
        """Per array, the new state of its group's chain (``chains``: the chain of each array;
        by default those of step()'s list)."""
        if chains is None:
            chains = [self._chains()[k] for k in self._group_of(len(params))]
        state = []
        for p, chain in zip(params, chains):
            st = {}
            for t in chain.transforms:
                st.update(t.init_state(p))
            state.append(st)
        return state

    def _check_state(self, params):
        if self.state is None:
            return
        if len(self.state) != len(params):
            raise ValueError(f"this optimizer's state is for {len(self.state)} parameter arrays, "
                             f"got {len(params)}; call reset() to start over")
        for i, (p, st) in enumerate(zip(params, self.state)):
            for name, arr in st.items():
                if arr.shape != p.shape or arr.dtype != p.dtype:
                    raise ValueError(f"params[{i}] has shape {p.shape} and dtype {p.dtype} but the "
                                     f"state was built for {arr.shape} {arr.dtype}; call reset()")

    def step(self, params: np.ndarray | Sequence[np.ndarray],
             grads: ArrayLike | Sequence[ArrayLike]) -> None:
        """One step, in place.

        Parameters
        ----------
        params : ndarray or list of ndarray
            float32/float64, C-contiguous, writeable; updated in place.  The state
            is created for these arrays at the first step; later steps must pass
            arrays of the same number, shapes and dtypes.  With ``param_groups``,
            array i steps by the rule of the group whose ``'params'`` hold i.
        grads : ndarray or list of ndarray
            The gradients at ``params``: same number, shapes and dtypes as params.

        Raises
        ------
        FloatingPointError
            With check_finite: when a gradient holds NaN or infinity, or the step would
            make a parameter or a state value NaN or infinite (lr * g beyond the dtype's
            range); nothing changes.
        """
        single = isinstance(params, np.ndarray)
        params, grads = self._as_list(params, grads)
        grads = [self._check_pair(None if single else i, p, g)
                 for i, (p, g) in enumerate(zip(params, grads))]
        self._check_state(params)
        owners = self._group_of(len(params))
        chains = [self._chains()[k] for k in owners]
        n_threads = effective_n_threads(self.n_threads)
        if self.check_finite:
            for i, g in enumerate(grads):
                if not _update.all_finite(g.reshape(-1), n_threads):
                    raise FloatingPointError(
                        f"grads{'' if single else f'[{i}]'} contains NaN or infinity; the step "
                        f"was refused and the parameters are unchanged (a diverging run: try a "
                        f"smaller lr)")
        state = self.state if self.state is not None else self._init_state(params, chains)
        group_rules = self._next_rules()
        rules = [group_rules[k] for k in owners]
        if self.check_finite:
            # the step's result too, on copies and before any array changes (with several
            # parameter arrays, a refused step leaves all of them as they were)
            for i, (p, g, st, rule) in enumerate(zip(params, grads, state, rules)):
                status = _update.update_step(rule, p.reshape(-1), g.reshape(-1),
                                             _flat(st.get("s1")), _flat(st.get("s2")),
                                             _flat(st.get("s3")), False, n_threads, dry_run=True)
                _status.check_status(status, {_status.ERR_NONFINITE: (
                    f"the step would make params{'' if single else f'[{i}]'} (or the "
                    f"optimizer's state) NaN or infinite, at lr={rule['lr']:g}; the step was "
                    f"refused and the parameters are unchanged (a diverging run: try a "
                    f"smaller lr)")})
        self.state = state
        for p, g, st, rule in zip(params, grads, self.state, rules):
            status = _update.update_step(rule, p.reshape(-1), g.reshape(-1),
                                         _flat(st.get("s1")), _flat(st.get("s2")),
                                         _flat(st.get("s3")), False, n_threads)
            _status.check_status(status)
        # every group's carried scalars move past the step, those of a group of no array too
        self._took_steps([_update.advance(rule) for rule in group_rules])

    def step_numpy(self, params: np.ndarray | Sequence[np.ndarray],
                   grads: ArrayLike | Sequence[ArrayLike]) -> None:
        """The same step computed by the transforms' NumPy twins (the test oracle).

        Slower than :meth:`step` and without its checks (no finiteness test, no
        check of shapes against the state); it shares the state and the step
        count with :meth:`step`, and applies each array's group as step does.

        Parameters
        ----------
        params : ndarray or list of ndarray
            The parameter arrays, updated in place (``params[...] = new``).
        grads : array-like or list of array-like
            The gradients at ``params``, one per parameter array and shaped like
            it; converted to each parameter's dtype.
        """
        params, grads = self._as_list(params, grads)
        owners, every = self._group_of(len(params)), self._chains()
        if self.state is None:
            self.state = self._init_state(params, [every[k] for k in owners])
        t = self.n_steps + 1
        for k, chain in enumerate(every):
            members = [(params[i], grads[i], self.state[i])
                       for i, owner in enumerate(owners) if owner == k]
            if not members:  # a group of no array steps an empty one: its scalars move too
                empty = np.empty(0)
                members = [(empty, empty, self._init_state([empty], [chain])[0])]
            scalars = chain._carried()
            for p, g, st in members:
                g = np.asarray(g, dtype=p.dtype)
                if self.maximize:
                    g = -g
                w = p.copy()
                st_step = dict(st, **scalars)  # the transforms read and move the carried scalars
                for tr in chain.transforms:
                    g, w = tr.numpy_update(g, w, st_step, t, chain.lr)
                p[...] = w
                st.update((name, v) for name, v in st_step.items() if name not in scalars)
            # (each array of the group leaves the same values)
            chain._scalars = {name: float(st_step[name]) for name in scalars}
        self.n_steps += 1

    def reset(self) -> None:
        """Forget the state, the carried scalars (every group's), the step count and
        :func:`~fastoptim.optim.run_epoch`'s L1 penalty state."""
        self.state = None
        self.n_steps = 0
        self._l1_state = None
        for chain in self._chains():
            chain._scalars = {}

    # -- torch.optim's state_dict ------------------------------------------------------

    def _hyper_parameters(self):
        """What the optimizer computes with, as torch's param_groups hold it (one group)."""
        group = dict(getattr(self, "_args", None) or {})
        group.update(lr=self.lr, maximize=self.maximize,
                     chain=[type(t).__name__ for t in self.transforms])
        if isinstance(self, SGD):
            group["momentum"] = self.momentum
        return group

    def state_dict(self) -> dict:
        """The state and the hyper-parameters, as torch.optim's ``state_dict``.

        Returns
        -------
        dict
            ``{"state": {i: {"step": n_steps, "s1": ndarray, ...}}, "param_groups":
            [{"lr": ..., <the constructor's arguments>, "maximize": ..., "chain": [...],
            "params": [0, 1, ...]}]}``: per parameter array i, copies of its state
            arrays (named as the C core's, :mod:`~fastoptim.optim.transforms`), the
            step count and the carried scalars of the array's group (NAdam's
            ``"mu_product"``, ASGD's ``"eta"``: floats, torch's names); the group
            holds the rate a schedule may have set (and SGD's momentum).  With
            ``param_groups``, one entry per group, the default group last
            (:attr:`param_groups`), each with its carried scalars once a step was
            taken (every group has its own; a network's one state array spans its
            groups and holds none).  NumPy arrays and plain numbers only: it saves
            with ``np.savez`` or pickle, and :meth:`load_state_dict` continues the
            trajectory bit for bit.
        """
        carried = [chain._carried() for chain in self._chains()]
        state = {} if self.state is None else {
            i: dict({k: v.copy() for k, v in st.items()}, step=self.n_steps,
                    **({} if owner is None else carried[owner]))
            for i, (st, owner) in enumerate(zip(self.state, self._state_owners(len(self.state))))}
        return {"state": state, "param_groups": self._group_entries()}

    def _state_owners(self, n):
        """Per state entry of n, the index into _chains() of its array's group; None for
        every entry of a network's one buffer, whose groups are parts of it (the groups
        name its arrays, or index past n)."""
        try:
            return self._group_of(n)
        except ValueError:
            return [None] * n

    def _state_names(self, n):
        """Per array of n, (its group's state names, the union of every group's): step()'s
        arrays keep their group's, a network's one buffer (whose groups are parts of it) the
        union."""
        names = [{name for t in chain.transforms for name in t.state_names}
                 for chain in self._chains()]
        union = set().union(*names)
        return [(union if k is None else names[k], union) for k in self._state_owners(n)]

    def load_state_dict(self, state_dict: dict) -> None:
        """Continue from a :meth:`state_dict` of an optimizer of the same kind.

        Parameters
        ----------
        state_dict : dict
            As :meth:`state_dict` returns it.  Its hyper-parameters must be this
            optimizer's (the same class, arguments and groups), except the learning
            rate and SGD's momentum, which schedules change and which are taken
            from it (the groups' rates follow the default group's, and must then
            be the ones stored); the state arrays must be the ones this chain keeps.

        Raises
        ------
        ValueError, TypeError
            When the dict is not such a state (another optimizer, missing or
            extra state arrays, arrays that are not float32/float64 of one shape
            per parameter array, steps that disagree); nothing changes then.
        """
        if not isinstance(state_dict, dict) or set(state_dict) != {"state", "param_groups"}:
            raise TypeError("state_dict must be the dict of state_dict(): the keys 'state' and "
                            "'param_groups'")
        groups = state_dict["param_groups"]
        chains = self._chains()
        if not isinstance(groups, (list, tuple)) or len(groups) != len(chains) or \
                not all(isinstance(g, dict) for g in groups):
            raise ValueError(f"state_dict['param_groups'] must hold {len(chains)} group(s) "
                             f"(dicts), as this optimizer's")
        for k, (group, mine) in enumerate(zip(groups, self._group_entries())):
            group = dict(group)
            if not self._groups:
                group.pop("params", None)
                mine.pop("params")
            where = f"group {k}: " if self._groups else ""
            for key in sorted(set(group) | set(mine), key=lambda name: (name != "chain", name)):
                if key in ("lr", "momentum", *chains[k]._scalar_names):  # checked below
                    continue
                if group.get(key) != mine.get(key) and not (
                        isinstance(mine.get(key), tuple)
                        and list(mine[key]) == list(group.get(key) or [])):
                    raise ValueError(f"state_dict is of another optimizer: {where}its {key}="
                                     f"{group.get(key)!r}, this optimizer's {mine.get(key)!r}")
        state = state_dict["state"]
        if not isinstance(state, dict):
            raise TypeError("state_dict['state'] must be a dict: parameter index -> its state")
        expected = self._state_names(len(state))
        owners = self._state_owners(len(state))
        new_state, steps, carried = [], set(), [set() for _ in chains]
        for i in range(len(state)):
            if i not in state or not isinstance(state[i], dict):
                raise ValueError(f"state_dict['state'] must have the keys 0..{len(state) - 1} "
                                 f"(one per parameter array); {i} is missing")
            entry = dict(state[i])
            steps.add(entry.pop("step", None))
            if owners[i] is not None:
                carried[owners[i]].add(tuple(
                    check_carried_scalar(entry.pop(k, None), k, f"state_dict['state'][{i}]")
                    for k in chains[owners[i]]._scalar_names))
            if set(entry) not in expected[i]:
                raise ValueError(f"state_dict['state'][{i}] holds {sorted(entry)}; this "
                                 f"optimizer keeps {sorted(expected[i][0])}")
            arrays = {k: np.array(v, copy=True) for k, v in entry.items()}
            shapes = {(a.shape, a.dtype) for a in arrays.values()}
            if len(shapes) > 1 or any(a.dtype not in (np.float32, np.float64)
                                      for a in arrays.values()):
                raise ValueError(f"state_dict['state'][{i}]'s arrays must be float32 or float64 "
                                 f"of one shape and dtype, got {sorted(map(str, shapes))}")
            if not all(np.all(np.isfinite(a)) for a in arrays.values()):
                raise ValueError(f"state_dict['state'][{i}] holds NaN or infinity")
            new_state.append(arrays)
        if len(steps) > 1 or (new_state and not isinstance(next(iter(steps)), numbers.Integral)):
            raise ValueError(f"state_dict's parameter arrays disagree on the step count (or "
                             f"have none): {sorted(map(str, steps))}")
        for k, group in enumerate(groups if self._groups and new_state else []):
            # every group's own scalars, those of a group of no array (or of a network's) too
            carried[k].add(tuple(check_carried_scalar(group.get(name), name,
                                                      f"state_dict['param_groups'][{k}]")
                                 for name in chains[k]._scalar_names))
        for k, values in enumerate(carried):
            if len(values) > 1:
                where = f" and param_groups[{k}]" if self._groups else ""
                raise ValueError(f"state_dict's parameter arrays{where} disagree on "
                                 f"{', '.join(chains[k]._scalar_names)}: {sorted(values)}")
        rates = self._rates(groups[-1].get("lr", self.lr))
        for k, (group, rate) in enumerate(zip(groups[:-1], rates)):
            if group.get("lr") != rate.lr:
                raise ValueError(f"state_dict is of another optimizer: group {k}'s lr="
                                 f"{group.get('lr')!r}, where this optimizer's groups at lr="
                                 f"{rates[-1].lr!r} give {rate.lr!r}")
        momenta = []
        for group, chain in zip(groups, chains):
            m = chain._get(Momentum)
            if isinstance(self, SGD) and "momentum" in group and m is not None:
                momenta.append((chain, Momentum(group["momentum"], m.dampening, m.nesterov)))
        for chain, rate in zip(chains, rates):
            chain._replace(ScaleByLearningRate, rate)
        for chain, m in momenta:
            chain._replace(Momentum, m)
        self.state = new_state or None
        self.n_steps = int(next(iter(steps))) if new_state else 0
        for chain, values in zip(chains, carried):
            chain._scalars = dict(zip(chain._scalar_names, next(iter(values)))) \
                if new_state and values else {}

    def __repr__(self):
        groups = f"param_groups={[spec for spec, _ in self._groups]!r}" if self._groups else ""
        args = getattr(self, "_args", None)
        if args is None:  # a hand-built chain
            return (f"{type(self).__name__}("
                    f"{', '.join([*map(repr, self.transforms), *([groups] if groups else [])])})")
        # a named optimizer: its constructor arguments that differ from the defaults
        defaults = {k: v.default for k, v in inspect.signature(type(self).__init__).parameters.items()}
        shown = dict(args, lr=self.lr)
        if "momentum" in shown and isinstance(self, SGD):
            shown["momentum"] = self.momentum
        if self.maximize:
            shown["maximize"] = True
        text = ", ".join(f"{k}={v!r}" for k, v in shown.items() if k == "lr" or defaults.get(k) != v)
        return f"{type(self).__name__}({text}{', ' + groups if groups else ''})"


class _ReadOnlyGroup(dict):
    """An entry of Optimizer.param_groups: a dict that refuses writes, which would change
    nothing (torch's loops that set ``group['lr']`` get an error, not a silent no-op);
    copies and pickles are plain dicts."""

    def _refuse(self, *args, **kwargs):
        raise TypeError("Optimizer.param_groups is read only (a copy of the optimizer's "
                        "groups): set opt.lr, which scales every group's rate alike, or build "
                        "the optimizer with the group's values")

    __setitem__ = __delitem__ = __ior__ = update = pop = popitem = setdefault = clear = _refuse

    def __reduce__(self):
        return dict, (dict(self),)

    def copy(self):
        return dict(self)


def _group_params(value, where):
    """A group's 'params' as a list of ints >= 0 and names."""
    items = list(value) if isinstance(value, (list, tuple)) else [value]
    if not items:
        raise ValueError(f"{where}['params'] is empty; list the group's arrays")
    out = []
    for item in items:
        if isinstance(item, str):
            out.append(item)
            continue
        if isinstance(item, (bool, np.bool_)) or not isinstance(item, numbers.Integral):
            raise TypeError(f"{where}['params'] must be indices (ints) or names of arrays, or a "
                            f"list of them, got {item!r}")
        if item < 0:
            raise ValueError(f"{where}['params'] holds {item}; indices are >= 0")
        out.append(int(item))
    return out


def _flat(a):
    return None if a is None else a.reshape(-1)


def check_carried_scalar(value, name, where):
    """A carried scalar (NAdam's mu_product, in [0, 1]; ASGD's eta, > 0) read from outside
    (a state_dict, a model file), as a float; a ValueError naming ``where[name]``."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)) and \
        math.isfinite(value) and (0 <= value <= 1 if name == "mu_product" else value > 0)
    if not ok:
        raise ValueError(f"{where}[{name!r}] must be "
                         f"{'a number in [0, 1]' if name == 'mu_product' else 'a number > 0'}, "
                         f"got {value!r}")
    return float(value)


class SGD(Optimizer):
    __doc__ = r"""Stochastic gradient descent with optional momentum, Nesterov momentum and L2 decay.

    :math:`g \leftarrow g + wd\,p`; with momentum :math:`b \leftarrow \mu b + (1 - d) g`
    (b = g at the first step) and :math:`g \leftarrow b` (or :math:`g + \mu b`, Nesterov);
    :math:`p \leftarrow p - lr\,g`.  As torch.optim.SGD.

    Parameters
    ----------
    lr : float, default 1e-3
        The learning rate, > 0.
    momentum : float in [0, 1), default 0
        The momentum factor :math:`\mu`; 0 is plain gradient descent (no
        momentum buffer).  A :class:`~fastoptim.optim.schedules.MomentumSchedule`
        can change it between steps only when it is > 0 here.
    dampening : float in [0, 1], default 0
        d: the gradient enters the momentum buffer with the weight 1 - d.
        Unused without momentum.
    nesterov : bool, default False
        Nesterov momentum: step along :math:`g + \mu b` instead of b.  Needs
        ``momentum > 0`` and ``dampening = 0``.
    weight_decay : float >= 0, default 0
        L2 penalty coefficient wd: :math:`wd\,p` is added to the gradient.
""" + _STEP_OPTIONS_DOC + r"""    """

    def __init__(self, lr: float = 1e-3, momentum: float = 0.0, dampening: float = 0.0,
                 nesterov: bool = False, weight_decay: float = 0.0, *,
                 maximize: bool = False, check_finite: bool = True,
                 n_threads: int | None = None,
                 param_groups: Sequence[Mapping[str, Any]] | None = None) -> None:
        chain = [AddDecayedWeights(weight_decay)]
        momentum = _real(momentum, "momentum", low=0.0, high=1.0)
        dampening = _real(dampening, "dampening", low=0.0, high=1.0, high_open=False)
        if nesterov and not momentum:
            raise ValueError("nesterov=True needs momentum > 0 (and dampening = 0)")
        if momentum:
            chain.append(Momentum(momentum, dampening, nesterov))
        self._args = dict(lr=lr, momentum=momentum, dampening=dampening, nesterov=nesterov,
                          weight_decay=weight_decay)
        super().__init__(*chain, ScaleByLearningRate(lr), maximize=maximize,
                         check_finite=check_finite, n_threads=n_threads,
                         param_groups=param_groups)

    @property
    def momentum(self) -> float:
        """The momentum mu (the momentum schedule sets it); 0 without momentum."""
        m = self._get(Momentum)
        return 0.0 if m is None else m.momentum

    @momentum.setter
    def momentum(self, value: float) -> None:
        # every group with momentum takes the value (checked for all before any changes)
        new = [(chain, Momentum(value, m.dampening, m.nesterov)) for chain, m in
               ((chain, chain._get(Momentum)) for chain in self._chains()) if m is not None]
        if not new:
            raise ValueError("this SGD was built with momentum=0; build it with momentum > 0 "
                             "to schedule the momentum")
        for chain, m in new:
            chain._replace(Momentum, m)


class Adagrad(Optimizer):
    __doc__ = r"""AdaGrad: :math:`s \leftarrow s + g^2`, :math:`p \leftarrow p - \frac{lr}{1 + (t-1) lr\_decay}
    \frac{g}{\sqrt{s} + \epsilon}`; rare features keep large steps.  As torch.optim.Adagrad.

    Parameters
    ----------
    lr : float, default 1e-2
        The base learning rate, > 0.
    lr_decay : float >= 0, default 0
        Step t uses the rate :math:`lr / (1 + (t - 1)\,lr\_decay)`; 0: no decay.
    weight_decay : float >= 0, default 0
        L2 penalty coefficient wd: :math:`wd\,p` is added to the gradient
        before it is accumulated.
    initial_accumulator_value : float >= 0, default 0
        The starting value of every entry of the sum of squared gradients s.
    eps : float > 0, default 1e-10
        Added to :math:`\sqrt{s}` in the denominator (keeps the step finite
        where s is 0).
""" + _STEP_OPTIONS_DOC + r"""    """

    def __init__(self, lr: float = 1e-2, lr_decay: float = 0.0, weight_decay: float = 0.0,
                 initial_accumulator_value: float = 0.0, eps: float = 1e-10, *,
                 maximize: bool = False, check_finite: bool = True,
                 n_threads: int | None = None,
                 param_groups: Sequence[Mapping[str, Any]] | None = None) -> None:
        self._args = dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                          initial_accumulator_value=initial_accumulator_value, eps=eps)
        super().__init__(AddDecayedWeights(weight_decay),
                         ScaleByAdagrad(eps, initial_accumulator_value, lr_decay),
                         ScaleByLearningRate(lr), maximize=maximize, check_finite=check_finite,
                         n_threads=n_threads,
                         param_groups=param_groups)


class RMSProp(Optimizer):
    __doc__ = r"""RMSProp: :math:`s \leftarrow \alpha s + (1 - \alpha) g^2`,
    :math:`p \leftarrow p - lr\, g / (\sqrt{s} + \epsilon)`; optionally centered (subtract
    the squared running mean of g) and with momentum on the scaled gradient.
    As torch.optim.RMSprop.

    Parameters
    ----------
    lr : float, default 1e-2
        The learning rate, > 0.
    alpha : float in [0, 1), default 0.99
        The smoothing constant: the weight of the previous running average of
        :math:`g^2` (and of g when centered) in the new one.
    eps : float > 0, default 1e-8
        Added to the square root in the denominator.
    weight_decay : float >= 0, default 0
        L2 penalty coefficient wd: :math:`wd\,p` is added to the gradient.
    momentum : float in [0, 1), default 0
        Momentum factor applied to the scaled gradient (a buffer as SGD's, no
        dampening); 0: no momentum.
    centered : bool, default False
        Divide by an estimate of the gradient's standard deviation instead of its
        root mean square: the square of the running mean of g is subtracted
        from the running mean of :math:`g^2`.
""" + _STEP_OPTIONS_DOC + r"""    """

    def __init__(self, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False, *,
                 maximize: bool = False, check_finite: bool = True,
                 n_threads: int | None = None,
                 param_groups: Sequence[Mapping[str, Any]] | None = None) -> None:
        chain = [AddDecayedWeights(weight_decay), ScaleByRMS(alpha, eps, centered)]
        if momentum:
            chain.append(Momentum(momentum))
        self._args = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                          momentum=momentum, centered=centered)
        super().__init__(*chain, ScaleByLearningRate(lr), maximize=maximize,
                         check_finite=check_finite, n_threads=n_threads,
                         param_groups=param_groups)


class Adam(Optimizer):
    __doc__ = r"""Adam with bias correction (AMSGrad optional), L2 weight decay added to the gradient.

    :math:`m \leftarrow \beta_1 m + (1 - \beta_1) g`,
    :math:`v \leftarrow \beta_2 v + (1 - \beta_2) g^2`,
    :math:`p \leftarrow p - \frac{lr}{1 - \beta_1^t} \frac{m}{\sqrt{v} / \sqrt{1 - \beta_2^t}
    + \epsilon}` (eps outside the square root, as torch.optim.Adam).  With a constant
    gradient the first step has size lr in every coordinate.

    Parameters
    ----------
    lr : float, default 1e-3
        The learning rate, > 0.
    betas : (float, float) in [0, 1), default (0.9, 0.999)
        :math:`(\beta_1, \beta_2)`: the decay rates of the running averages of
        g and of :math:`g^2`.
    eps : float > 0, default 1e-8
        Added to the bias-corrected :math:`\sqrt{v}` in the denominator.
    weight_decay : float >= 0, default 0
        L2 penalty coefficient wd: :math:`wd\,p` is added to the gradient
        before the moments are updated (for the decoupled form use
        :class:`AdamW`).
    amsgrad : bool, default False
        Divide by the running maximum of v instead of v (AMSGrad).
    decoupled_weight_decay : bool, default False
        Decay the parameters, :math:`p \leftarrow p (1 - lr\,wd)`, instead of adding
        :math:`wd\,p` to the gradient: then Adam is :class:`AdamW` (torch 2's flag).
""" + _STEP_OPTIONS_DOC + r"""    """

    def __init__(self, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, amsgrad: bool = False, *,
                 decoupled_weight_decay: bool = False, maximize: bool = False,
                 check_finite: bool = True, n_threads: int | None = None,
                 param_groups: Sequence[Mapping[str, Any]] | None = None) -> None:
        decay = (DecoupledWeightDecay(weight_decay) if decoupled_weight_decay
                 else AddDecayedWeights(weight_decay))
        self._args = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                          decoupled_weight_decay=bool(decoupled_weight_decay))
        super().__init__(decay, ScaleByAdam(betas, eps, amsgrad), ScaleByLearningRate(lr),
                         maximize=maximize, check_finite=check_finite, n_threads=n_threads,
                         param_groups=param_groups)


class AdamW(Optimizer):
    __doc__ = r"""Adam with decoupled weight decay (Loshchilov & Hutter 2019):
    :math:`p \leftarrow p (1 - lr\,wd)` before the Adam step.  As torch.optim.AdamW.

    Parameters
    ----------
    lr : float, default 1e-3
        The learning rate, > 0.
    betas : (float, float), default (0.9, 0.999)
        :math:`(\beta_1, \beta_2)`, each in [0, 1): the decay rates of the
        running averages of g and of :math:`g^2`.
    eps : float > 0, default 1e-8
        Added to the bias-corrected :math:`\sqrt{v}` in the denominator.
    weight_decay : float >= 0, default 1e-2
        The decoupled decay coefficient wd: each step first multiplies the
        parameters by :math:`1 - lr\,wd` (the gradient is not changed).
    amsgrad : bool, default False
        Divide by the running maximum of v instead of v (AMSGrad).
""" + _STEP_OPTIONS_DOC + r"""    """

    def __init__(self, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False, check_finite: bool = True,
                 n_threads: int | None = None,
                 param_groups: Sequence[Mapping[str, Any]] | None = None) -> None:
        self._args = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad)
        super().__init__(DecoupledWeightDecay(weight_decay), ScaleByAdam(betas, eps, amsgrad),
                         ScaleByLearningRate(lr), maximize=maximize, check_finite=check_finite,
                         n_threads=n_threads,
                         param_groups=param_groups)


class Adadelta(Optimizer):
    __doc__ = r"""Adadelta (Zeiler 2012), as torch.optim.Adadelta:
    :math:`s \leftarrow \rho s + (1 - \rho) g^2`,
    :math:`d \leftarrow \frac{\sqrt{u + \epsilon}}{\sqrt{s + \epsilon}} g`,
    :math:`u \leftarrow \rho u + (1 - \rho) d^2`, :math:`p \leftarrow p - lr\, d`.

    The step d is a ratio of root mean squares, in the units of the parameters:
    scaling the objective by a constant leaves the steps unchanged once the
    averages outgrow eps (the "unit-free" update of the paper), so the
    learning rate 1 is a reasonable default for any problem.

    Parameters
    ----------
    lr : float, default 1.0
        The factor, > 0, applied to d (torch's; the paper has none).
    rho : float in [0, 1], default 0.9
        The decay of the running averages of :math:`g^2` and of :math:`d^2`.
    eps : float > 0, default 1e-6
        Added under both square roots; the first steps have size about
        :math:`lr \sqrt{\epsilon / (1 - \rho)}`.
    weight_decay : float >= 0, default 0
        L2 penalty coefficient wd: :math:`wd\,p` is added to the gradient.
""" + _STEP_OPTIONS_DOC + r"""
    Examples
    --------
    >>> import numpy as np
    >>> from fastoptim.optim import Adadelta
    >>> p = np.array([1.0, -2.0]); opt = Adadelta()
    >>> opt.step(p, 2 * p)                  # the gradient of |p|^2
    >>> np.round(p, 6).tolist()             # a step of sqrt(1e-6 / 0.1) in each coordinate
    [0.996838, -1.996838]
    """

    def __init__(self, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0.0, *, maximize: bool = False,
                 check_finite: bool = True, n_threads: int | None = None,
                 param_groups: Sequence[Mapping[str, Any]] | None = None) -> None:
        self._args = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay)
        super().__init__(AddDecayedWeights(weight_decay), ScaleByAdadelta(rho, eps),
                         ScaleByLearningRate(lr), maximize=maximize, check_finite=check_finite,
                         n_threads=n_threads,
                         param_groups=param_groups)


class Adamax(Optimizer):
    __doc__ = r"""Adamax (Kingma & Ba 2015, sec. 7.1), as torch.optim.Adamax:
    :math:`m \leftarrow \beta_1 m + (1 - \beta_1) g`,
    :math:`u \leftarrow \max(\beta_2 u, |g| + \epsilon)`,
    :math:`p \leftarrow p - \frac{lr}{1 - \beta_1^t} \frac{m}{u}`.

    Parameters
    ----------
    lr : float, default 2e-3
        The learning rate, > 0.
    betas : (float, float) in [0, 1), default (0.9, 0.999)
        :math:`(\beta_1, \beta_2)`: the decay of the running average of g and of
        the running maximum of :math:`|g|`.
    eps : float > 0, default 1e-8
        Added to :math:`|g|` inside the maximum.
    weight_decay : float >= 0, default 0
        L2 penalty coefficient wd: :math:`wd\,p` is added to the gradient.
""" + _STEP_OPTIONS_DOC + r"""    """

    def __init__(self, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, *, maximize: bool = False,
                 check_finite: bool = True, n_threads: int | None = None,
                 param_groups: Sequence[Mapping[str, Any]] | None = None) -> None:
        self._args = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)
        super().__init__(AddDecayedWeights(weight_decay), ScaleByAdamax(betas, eps),
                         ScaleByLearningRate(lr), maximize=maximize, check_finite=check_finite,
                         n_threads=n_threads,
                         param_groups=param_groups)


class RAdam(Optimizer):
    __doc__ = r"""RAdam, rectified Adam (Liu et al. 2020), as torch.optim.RAdam: Adam's moments,
    the bias-corrected momentum as the step while the variance of the adaptive rate is
    not yet tractable (:math:`\rho_t \le 5`), then Adam's adaptive step times the
    rectification :math:`r_t` (:func:`~fastoptim.optim.transforms.radam_rectification`).

    Parameters
    ----------
    lr : float, default 1e-3
        The learning rate, > 0.
    betas : (float, float) in [0, 1), default (0.9, 0.999)
        :math:`(\beta_1, \beta_2)`: the decay rates of the running averages of
        g and of :math:`g^2`.
    eps : float > 0, default 1e-8
        Added to :math:`\sqrt{v}` in the denominator.
    weight_decay : float >= 0, default 0
        The weight decay coefficient wd: added to the gradient as :math:`wd\,p`,
        or with ``decoupled_weight_decay`` applied to the parameters.
    decoupled_weight_decay : bool, default False
        Decay the parameters, :math:`p \leftarrow p (1 - lr\,wd)`, before the step
        (AdamW's form) instead of adding :math:`wd\,p` to the gradient.
""" + _STEP_OPTIONS_DOC + r"""    """

    def __init__(self, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0,
                 decoupled_weight_decay: bool = False, *, maximize: bool = False,
                 check_finite: bool = True, n_threads: int | None = None,
                 param_groups: Sequence[Mapping[str, Any]] | None = None) -> None:
        decay = (DecoupledWeightDecay(weight_decay) if decoupled_weight_decay
                 else AddDecayedWeights(weight_decay))
        self._args = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                          decoupled_weight_decay=bool(decoupled_weight_decay))
        super().__init__(decay, ScaleByRAdam(betas, eps), ScaleByLearningRate(lr),
                         maximize=maximize, check_finite=check_finite,
                         n_threads=n_threads,
                         param_groups=param_groups)


class NAdam(Optimizer):
    __doc__ = r"""NAdam (Dozat 2016), Adam with Nesterov momentum, as torch.optim.NAdam:
    with the momentum factors :math:`\mu_t = \beta_1 (1 - \frac{1}{2} 0.96^{t \psi})`
    and their running product :math:`P_t = \prod_{i \le t} \mu_i`,
    :math:`m \leftarrow \beta_1 m + (1 - \beta_1) g`,
    :math:`v \leftarrow \beta_2 v + (1 - \beta_2) g^2`,
    :math:`p \leftarrow p - lr \big(\frac{1 - \mu_t}{1 - P_t} g + \frac{\mu_{t+1}}
    {1 - P_t \mu_{t+1}} m\big) / \big(\sqrt{v / (1 - \beta_2^t)} + \epsilon\big)`.

    :math:`P_t` (``mu_product``, torch's name) is carried from step to step: by the
    C core inside an epoch, by the optimizer between calls, in :meth:`state_dict`,
    in pickles and in model files.

    Parameters
    ----------
    lr : float, default 2e-3
        The learning rate, > 0.
    betas : (float, float) in [0, 1), default (0.9, 0.999)
        :math:`(\beta_1, \beta_2)`: the decay rates of the running averages of
        g and of :math:`g^2`; :math:`\beta_1` also scales the momentum factors.
    eps : float > 0, default 1e-8
        Added to the bias-corrected :math:`\sqrt{v}` in the denominator.
    weight_decay : float >= 0, default 0
        The weight decay coefficient wd: added to the gradient as :math:`wd\,p`,
        or with ``decoupled_weight_decay`` applied to the parameters.
    momentum_decay : float >= 0, default 4e-3
        :math:`\psi`: how fast :math:`\mu_t` rises from :math:`\beta_1 / 2` to
        :math:`\beta_1` (0: :math:`\mu_t = \beta_1 / 2` throughout).
    decoupled_weight_decay : bool, default False
        Decay the parameters, :math:`p \leftarrow p (1 - lr\,wd)`, before the step
        (NAdamW) instead of adding :math:`wd\,p` to the gradient.
""" + _STEP_OPTIONS_DOC + r"""    """

    def __init__(self, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, maximize: bool = False,
                 check_finite: bool = True, n_threads: int | None = None,
                 param_groups: Sequence[Mapping[str, Any]] | None = None) -> None:
        decay = (DecoupledWeightDecay(weight_decay) if decoupled_weight_decay
                 else AddDecayedWeights(weight_decay))
        self._args = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                          momentum_decay=momentum_decay,
                          decoupled_weight_decay=bool(decoupled_weight_decay))
        super().__init__(decay, ScaleByNAdam(betas, eps, momentum_decay),
                         ScaleByLearningRate(lr), maximize=maximize, check_finite=check_finite,
                         n_threads=n_threads, param_groups=param_groups)


class Rprop(Optimizer):
    __doc__ = r"""Rprop, resilient backpropagation (Riedmiller & Braun 1993), as
    torch.optim.Rprop: a step size d per coordinate, which grows by
    :math:`\eta_+` while the gradient keeps its sign and shrinks by :math:`\eta_-`
    when it flips (within ``step_sizes``); the step is :math:`p \leftarrow p -
    \mathrm{sign}(g)\, d`, none where the sign flipped (and the gradient kept as
    the previous one is then 0, so the next step goes on).

    Only the gradient's signs matter: Rprop is a full-batch method (torch's note),
    for the gradient of the whole objective; on mini-batches the signs are noisy.
    The learning rate is the step sizes' start: it is read at the first step only
    (later changes of lr, by a schedule too, do nothing -- as in torch).  The state
    is the previous gradient (``s1``) and the step sizes (``s2``).

    Parameters
    ----------
    lr : float, default 1e-2
        The initial step size of every coordinate, > 0.
    etas : (float, float), default (0.5, 1.2)
        :math:`(\eta_-, \eta_+)`, with :math:`0 < \eta_- < 1 < \eta_+`: the
        multiplicative decrease and increase of a step size.
    step_sizes : (float, float), default (1e-6, 50)
        The smallest and largest step size, :math:`0 < min \le max`.
""" + _STEP_OPTIONS_DOC + r"""
    Examples
    --------
    >>> import numpy as np
    >>> from fastoptim.optim import Rprop
    >>> p = np.array([1.0, -2.0]); opt = Rprop(lr=0.1)
    >>> for _ in range(3):
    ...     opt.step(p, 2 * p)              # the gradient of |p|^2: steps 0.1, 0.12, 0.144
    >>> np.round(p, 6).tolist()
    [0.636, -1.636]
    """

    def __init__(self, lr: float = 1e-2, etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50), *, maximize: bool = False,
                 check_finite: bool = True, n_threads: int | None = None,
                 param_groups: Sequence[Mapping[str, Any]] | None = None) -> None:
        self._args = dict(lr=lr, etas=etas, step_sizes=step_sizes)
        super().__init__(ScaleByRprop(etas, step_sizes), ScaleByLearningRate(lr),
                         maximize=maximize, check_finite=check_finite, n_threads=n_threads,
                         param_groups=param_groups)


class ASGD(Optimizer):
    __doc__ = r"""Averaged stochastic gradient descent (Polyak & Juditsky 1992), as
    torch.optim.ASGD: with :math:`\eta_1 = lr` and
    :math:`\eta_{t+1} = lr / (1 + \lambda\, lr\, t)^\alpha`,
    :math:`p \leftarrow p (1 - \lambda \eta_t) - \eta_t g` (g with the L2 term
    :math:`wd\,p`), and the average of the iterates
    :math:`a \leftarrow a + \mu_t (p - a)`, :math:`\mu_t = 1 / \max(1, t - 1 - t_0)`
    (a copy of p up to step :math:`t_0 + 2`, then the mean of the iterates since).

    As torch, :math:`\eta` is computed after each step, with the learning rate of
    that step: a rate changed between steps (a schedule) is used from the step
    after the next one.  :math:`\eta_t` (``eta``, torch's name) is carried from step to step
    (in :meth:`state_dict`, pickles and model files too).  The optimizer steps p;
    the average is the state ``s1``, read with :meth:`averaged` -- the estimate
    Polyak & Juditsky's theorem is about, which a user swaps in (as with torch,
    nothing uses it by itself; the estimators predict with p).

    Parameters
    ----------
    lr : float, default 1e-2
        The learning rate, > 0: the first step size, and the scale of the others.
    lambd : float >= 0, default 1e-4
        :math:`\lambda`: the decay term (p shrinks by :math:`1 - \lambda \eta_t`),
        and how fast :math:`\eta_t` falls.
    alpha : float >= 0, default 0.75
        The power of :math:`\eta_t`'s decay (0: a constant step).
    t0 : float >= 0, default 1e6
        The step after which averaging starts.
    weight_decay : float >= 0, default 0
        L2 penalty coefficient wd: :math:`wd\,p` is added to the gradient.
""" + _STEP_OPTIONS_DOC + r"""
    Examples
    --------
    >>> import numpy as np
    >>> from fastoptim.optim import ASGD
    >>> p = np.zeros(1); opt = ASGD(lr=0.5, lambd=0.0, t0=0)
    >>> for g in (-2.0, 2.0, -2.0, 2.0):    # p: 1, 0, 1, 0; averaged from step t0 + 2
    ...     opt.step(p, np.array([g]))
    >>> p.tolist(), np.round(opt.averaged(), 4).tolist()    # the mean of 0, 1, 0
    ([0.0], [0.3333])
    """

    def __init__(self, lr: float = 1e-2, lambd: float = 1e-4, alpha: float = 0.75,
                 t0: float = 1e6, weight_decay: float = 0.0, *, maximize: bool = False,
                 check_finite: bool = True, n_threads: int | None = None,
                 param_groups: Sequence[Mapping[str, Any]] | None = None) -> None:
        self._args = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay)
        super().__init__(AddDecayedWeights(weight_decay), ScaleByASGD(lambd, alpha, t0),
                         ScaleByLearningRate(lr), maximize=maximize, check_finite=check_finite,
                         n_threads=n_threads, param_groups=param_groups)

    def averaged(self, i: int = 0) -> np.ndarray:
        """The averaged parameters of parameter array i (torch's ``state['ax']``).

        Parameters
        ----------
        i : int, default 0
            The parameter array's position in the list given to :meth:`step` (0
            for a single array).

        Returns
        -------
        ndarray
            A copy of the average, shaped and typed as that parameter array.

        Raises
        ------
        ValueError
            Before the first step (there is no average yet), or for an i that is
            not a parameter array's position.
        """
        if self.state is None:
            raise ValueError("ASGD has taken no step yet: there is no average to read")
        if isinstance(i, (bool, np.bool_)) or not isinstance(i, numbers.Integral) or \
                not 0 <= i < len(self.state):
            raise ValueError(f"i must be the position of a parameter array, 0 .. "
                             f"{len(self.state) - 1}, got {i!r}")
        return self.state[i]["s1"].copy()


#: torch.optim's spelling of :class:`RMSProp`.
RMSprop = RMSProp
