"""The worker side: the only code that runs beside a submission's ``nnlib``.

Everything in this package executes in the untrusted worker process (``server.py`` is its
main, started by ``nncourse.grader.workers``): it imports the student's code, calls it on
the inputs it is sent (the probes of ``probes.py``, ``probes_autodiff.py`` and
``probes_normalise.py``, run by ``calling.py``, with the grader's toy modules of
``standins.py`` and the true forward's cache of ``true_forward.py``) and sends back plain
arrays. It judges nothing. From the rest of ``nncourse`` it imports only the message
protocol (``nncourse.grader.protocol``) and the isolation layer's in-process half
(``nncourse.isolation``); the trusted side never imports this package
(``tests/test_architecture.py`` checks both from the import graph).
"""
