"""Derive CPython 3.8-3.12 struct offsets live, by searching the running interpreter's own memory
for values we know (ctypes, no headers, no compiler). Run: <python> scripts/gen-legacy-offsets.py
Prints one JSON object. src/python/layout/v3_8.ts ... v3_12.ts were written from this output;
test/python/layout-rederive.root.test.ts runs it again for every interpreter and compares."""
import ctypes, json, sys, threading

u64 = lambda a: ctypes.c_uint64.from_address(a).value
i32 = lambda a: ctypes.c_int32.from_address(a).value

def find(base, value, limit, start=0, step=8):
    for off in range(start, limit, step):
        if u64(base + off) == value:
            return off
    return None

def find32(base, value, limit, start=0):
    for off in range(start, limit, 4):
        if i32(base + off) == value:
            return off
    return None

api = ctypes.pythonapi
api.PyThreadState_Get.restype = ctypes.c_void_p
rt = ctypes.addressof(ctypes.c_char.in_dll(api, "_PyRuntime"))
ts = api.PyThreadState_Get()
interp = u64(ts + 16)
out = {"version": list(sys.version_info[:3]), "runtime": hex(rt)}
out["runtime.interpreters_head"] = find(rt, interp, 128)
out["interp.threads_head"] = find(interp, ts, 128)
out["interp.modules"] = find(interp, id(sys.modules), 4096)
out["tstate.thread_id"] = find(ts, threading.get_ident(), 512)
out["tstate.native_thread_id"] = find(ts, threading.get_native_id(), 512)
d = {}
def probe(x, y):
    f = sys._getframe()
    c = f.f_code
    r = {}
    r["frame.back"] = find(id(f), id(f.f_back), 128)
    r["frame.code"] = find(id(f), id(c), 128)
    r["frame.localsplus"] = find(id(f), id(x), 1024)
    r["frame.lasti"] = find32(id(f), f.f_lasti, 160, 80)
    r["frame.lasti_bytes"] = f.f_lasti
    r["code.filename"] = find(id(c), id(c.co_filename), 256)
    r["code.name"] = find(id(c), id(c.co_name), 256)
    r["code.varnames"] = find(id(c), id(c.co_varnames), 256)
    lt = getattr(c, "co_linetable", None) if sys.version_info >= (3, 10) else c.co_lnotab
    r["code.linetable"] = find(id(c), id(lt), 256)
    r["code.firstlineno"] = find32(id(c), c.co_firstlineno, 128, 16)
    r["code.argcount"] = find32(id(c), c.co_argcount, 64, 16)
    r["code.nlocals"] = find32(id(c), c.co_nlocals, 64, 16)
    return r
out.update(probe(object(), 2))
# GIL: with this thread holding the GIL, the runtime holds our tstate somewhere (3.8-3.11).
hits = [off for off in range(0, 2048, 8) if u64(rt + off) == ts]
out["runtime.tstate_hits"] = hits
s1, s2 = "abc", "h\u00e9llo"
out["unicode.ascii_data"] = next(o for o in range(16, 96, 8) if ctypes.string_at(id(s1) + o, 3) == b"abc")
out["unicode.compact_data"] = next(o for o in range(16, 128, 8) if ctypes.string_at(id(s2) + o, 5) == "h\u00e9llo".encode("latin-1"))
import asyncio


async def _coro():
    await asyncio.sleep(0)


async def _task_probe():
    t = asyncio.ensure_future(_coro())
    t.set_name("probe")
    out["task.coro"] = find(id(t), id(t.get_coro()), 256)
    out["task.name"] = find(id(t), id(t.get_name()), 256)
    await t


asyncio.run(_task_probe())
print(json.dumps(out))
