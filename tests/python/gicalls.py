# SPDX-License-Identifier: LGPL-2.1-or-later
"""Counts the calls that go from Python into introspected C functions.

PyGObject's callables (gi.FunctionInfo) are not reported to sys.setprofile,
so this wraps them: every one found in the class dictionaries of the loaded
GI classes of the given namespaces, in the introspection modules, and in the
globals of the given modules (where the overrides keep the callables they
cache). Run the code once before counting, so that every class it uses
exists (PyGObject makes classes when first asked for).

    with GICallCounter(["GTempfile", "Gio", "GLib", "GObject"],
                       [overrides_module]) as calls:
        work()
    print(calls.total, calls.names)
"""

import collections
import functools
import importlib

from gi import _gi
from gi.module import get_introspection_module

_CALLABLE = (_gi.FunctionInfo, _gi.VFuncInfo)


class GICallCounter:
    def __init__(self, namespaces, modules=()):
        self.namespaces = namespaces
        self.modules = list(modules)
        self.names = collections.Counter()
        self._undo = []

    @property
    def total(self):
        return sum(self.names.values())

    def _wrap(self, target, name):
        counter = self.names

        def counted(*args, **kwargs):
            counter[name] += 1
            return target(*args, **kwargs)

        return counted

    def _patch(self, owner, key, value, is_class):
        name = f"{getattr(owner, '__name__', owner)}.{key}"
        if is_class:
            # Keep PyGObject's binding (a constructor found through a class
            # is bound to that class): wrap what __get__ gives.
            setattr(owner, key, _Counted(value, getattr(owner, key), name, self))
            self._undo.append(lambda: setattr(owner, key, value))
        else:
            vars(owner)[key] = self._wrap(value, name)
            self._undo.append(lambda: vars(owner).__setitem__(key, value))

    def _modules(self):
        return [get_introspection_module(ns) for ns in self.namespaces] + self.modules

    def __enter__(self):
        # The classes of the modules and their bases: the introspected
        # classes and the overrides' own. Objects of types outside the
        # typelibs (the streams' private halves) get classes made on the
        # fly, whose methods are their bases'.
        seen = set()
        for module in self._modules():
            for value in list(vars(module).values()):
                for cls in value.__mro__ if isinstance(value, type) else ():
                    if cls in seen:
                        continue
                    seen.add(cls)
                    for key, member in list(vars(cls).items()):
                        if isinstance(member, _CALLABLE) and not key.startswith("do_"):
                            self._patch(cls, key, member, True)
        # Functions: the namespaces' and those a module keeps in its globals.
        for module in self._modules():
            for key, value in list(vars(module).items()):
                if isinstance(value, _CALLABLE):
                    self._patch(module, key, value, False)
        return self

    def __exit__(self, *exc):
        while self._undo:
            self._undo.pop()()
        return False


class _Counted:
    """Stands for a FunctionInfo in a class dictionary and binds as it
    does: a method to the instance, anything else (constructors and static
    functions, which PyGObject binds to their class) as found through the
    class."""

    def __init__(self, info, via_class, name, counter):
        self.info = info
        self.via_class = via_class
        self.name = name
        self.counter = counter

    def __get__(self, obj, objtype=None):
        target = self.via_class
        if obj is not None and isinstance(self.info, _gi.FunctionInfo) and self.info.is_method():
            target = functools.partial(self.info, obj)
        return self.counter._wrap(target, self.name)


def overrides_module():
    """The module object of the GTempfile overrides (not the proxy that
    gi.repository gives)."""
    return importlib.import_module("gi.overrides.GTempfile")
