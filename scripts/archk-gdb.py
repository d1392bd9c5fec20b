# gdb helper for debugging archk's guest programs with gdb on archk itself.
# scripts/archk-gdb loads it with -x; by hand: gdb -x scripts/archk-gdb.py --args ./archk IMAGE ...
#
# archk runs guests inside its own address space, so gdb already sees their
# code and data, but not their symbols. archk calls
#   archk_debug_image_loaded(path, bias, koid, file, size)
# after loading a guest executable (path: store path such as "bin/hello";
# bias: where ELF address 0 landed; file/size: the complete executable, with
# its symbols and DWARF, in archk's memory) and
#   archk_debug_image_unloaded(path, bias, koid)
# when that process is gone. Internal breakpoints on both add and remove the
# guest's symbols without ever stopping visibly. See docs/debugging.md.

import os
import shutil
import tempfile

import gdb

# Every guest system call is trapped by seccomp and delivered to archk as
# SIGSYS: let archk have it, without stopping or printing anything.
gdb.execute("handle SIGSYS nostop noprint pass")
# archk's preemption timer (a per-vCPU CPU-time timer, PREEMPT_SIGNAL in
# host/host.h): the same, it is routine. Guest faults (SIGSEGV, SIGBUS,
# SIGILL, SIGFPE) keep gdb's default: stop at the faulting guest instruction,
# then pass to archk on continue, which reports the fault. (SIGTRAP from a
# guest's int3 also stops, but is gdb's own: see docs/debugging.md.)
gdb.execute("handle SIGVTALRM nostop noprint pass")
# Guest symbols only exist once archk has loaded the guest, so breakpoints on
# guest code set before `run` must be kept pending instead of refused; gdb
# re-resolves them each time symbols are added.
gdb.execute("set breakpoint pending on")
# Adding and removing symbol files would otherwise ask for confirmation.
gdb.execute("set confirm off")


class GuestImage:
    """One loaded guest executable: what archk announced, and our copy of it."""

    def __init__(self, path, bias, koid, file):
        self.path = path  # store path, e.g. "bin/hello"
        self.bias = bias  # where ELF address 0 is in archk's address space
        self.koid = koid  # the process's kernel object id
        self.file = file  # our copy of the executable, given to gdb


# Loaded guest images by process koid, and the private directory holding
# their copies: one subdirectory per process, so two processes running the
# same program (at different biases) each have their own symbol file.
guests = {}
workdir = tempfile.mkdtemp(prefix="archk-gdb-")


def _read_string(address):
    """The NUL-terminated string at inferior address `address`."""
    char_pointer = gdb.lookup_type("char").pointer()
    return gdb.Value(address).cast(char_pointer).string("utf-8", "replace")


def _arguments(count):
    """The first `count` integer arguments of the function just entered (SysV ABI)."""
    frame = gdb.newest_frame()
    names = ("rdi", "rsi", "rdx", "rcx", "r8", "r9")[:count]
    # gdb gives these registers a signed type: read them as unsigned.
    return [int(frame.read_register(n)) & 0xFFFFFFFFFFFFFFFF for n in names]


def _process_dir(koid):
    """Where the copy of process `koid`'s executable goes."""
    return os.path.join(workdir, str(koid))


def _forget(guest):
    """Removes a guest's symbols from gdb and deletes our copy of it."""
    try:
        gdb.execute("remove-symbol-file " + guest.file, to_string=True)
    except gdb.error:
        pass  # the user already removed it (remove-symbol-file, symbol-file)
    shutil.rmtree(_process_dir(guest.koid), ignore_errors=True)
    del guests[guest.koid]


class ImageLoaded(gdb.Breakpoint):
    """Adds a guest's symbols when archk announces its executable."""

    def __init__(self):
        # "*function": the very first instruction, where the arguments are
        # still in their registers whatever the compiler made of the body.
        super().__init__("*archk_debug_image_loaded", internal=True)
        self.silent = True

    def stop(self):
        path_address, bias, koid, file_address, size = _arguments(5)
        path = _read_string(path_address)
        # Named after the store path, so gdb's messages name the program.
        file = os.path.join(_process_dir(koid), path.lstrip("/"))
        os.makedirs(os.path.dirname(file), exist_ok=True)
        with open(file, "wb") as out:
            out.write(gdb.selected_inferior().read_memory(file_address, size))
        # -o BIAS shifts every section by the load bias; pending breakpoints
        # on the guest's functions and lines resolve here.
        gdb.execute("add-symbol-file %s -o %#x" % (file, bias), to_string=True)
        guests[koid] = GuestImage(path, bias, koid, file)
        return False  # carry on: the user never sees this stop


class ImageUnloaded(gdb.Breakpoint):
    """Removes a guest's symbols when its process is gone, so that a later
    process reusing the same addresses is described by its own symbols."""

    def __init__(self):
        super().__init__("*archk_debug_image_unloaded", internal=True)
        self.silent = True

    def stop(self):
        _, _, koid = _arguments(3)
        # archk also announces the end of a process whose loading failed
        # after the executable was placed, which was never announced loaded.
        if koid in guests:
            _forget(guests[koid])
        return False


def _on_exited(event):
    """archk is gone, and so are its guests: a new `run` starts afresh."""
    for guest in list(guests.values()):
        _forget(guest)


def _on_gdb_exiting(event):
    """Deletes the copies of the guests' executables."""
    shutil.rmtree(workdir, ignore_errors=True)


class ArchkGuests(gdb.Command):
    """List the guest images archk has loaded: store path, process koid,
load bias and the symbol file gdb reads."""

    def __init__(self):
        super().__init__("archk-guests", gdb.COMMAND_STATUS)

    def invoke(self, argument, from_tty):
        if not guests:
            print("No guest images loaded.")
            return
        print("%-24s %8s %18s  %s" % ("Path", "Koid", "Bias", "Symbol file"))
        for guest in sorted(guests.values(), key=lambda g: g.koid):
            print("%-24s %8d %#18x  %s" % ("/" + guest.path, guest.koid, guest.bias, guest.file))


ImageLoaded()
ImageUnloaded()
ArchkGuests()
gdb.events.exited.connect(_on_exited)
gdb.events.gdb_exiting.connect(_on_gdb_exiting)
