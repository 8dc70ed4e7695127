"""The one isolation layer: how ``nncourse`` runs student code it does not trust.

Two callers run student code: the grader's workers (``nncourse.grader.workers``, which
import a submission's ``nnlib``) and the autograde notebook kernels
(``nncourse.classroom.autograde.kernel``, which run a submission's notebook). Both build
the student's process from the same parts, and each says which parts it needs:

============================  ======================================  ===================
part                          what it guarantees                      module
============================  ======================================  ===================
scratch copy                  the process sees a fresh private        ``scratch.py``
                              folder holding only the ``.py`` files
                              of the submission's ``nnlib`` (no
                              symlinks, no dot files, at most 20 MB),
                              its cwd, ``HOME`` and ``TMPDIR``
clean environment             nothing inherited but what the caller   ``environment.py``
                              names; one BLAS thread; Agg backend
resource limits               address space, file size, CPU time,     ``limits.py``
                              processes, no core dumps
process group, clean-up       its own session; on close (or a         ``processes.py``
                              timeout) the whole group is killed,
                              and every process still carrying the
                              run's token (a double-forked child);
                              the process can die with its parent
                              (``PR_SET_PDEATHSIG``, Linux)
file-system confinement       Landlock (Linux 5.13+): read only the   ``landlock.py``
                              Python installation and system
                              folders, write only the scratch folder,
                              no TCP, no signals outside
hidden paths                  a private mount namespace covering the  ``mounts.py``
                              course, the instructor repository and
                              ``grader/hidden`` (Linux, root)
fewer rights                  a uid of its own with no groups and     ``rights.py``
                              ``no_new_privs`` (Linux, root)
============================  ======================================  ===================

``enter.py`` is the program every isolated process starts as: it applies the limits and
the parent-death signal, imports the caller's target module (trusted code, imported
*before* confinement so that the confinement need not open the ``nncourse`` package),
confines, and calls the target's entry function, which only then imports student code.

Which caller uses which part, per platform, is stated once in ``docs/instructor.md``
("Isolation: what student code can and cannot do"). Nothing here imports ``nnlib``.
"""

# Set by ``enter.py`` in the isolated process: what it applied (``{"confined": bool}``).
APPLIED: dict = {}
