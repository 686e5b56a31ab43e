import ArgumentParser
import CEditLine
import Engine
import Foundation
import Runtime

BLASSpinLimit.applyByReexecuting()
EnvironmentCheck.refuseUnusableSettings()
// The engine's settings come from the environment, now checked, once, before anything runs.
_ = EngineConfiguration.standard
SubcommandGuard.refuseUnknownSubcommand()

// Line-buffer standard output even into files and pipes: training progress and results must
// appear as they happen in `prn run ... > log` and `prn run | tee`, not when the run ends.
setvbuf(prn_stdout(), nil, _IOLBF, 0)
// A file-size limit (ulimit -f) must make a write fail with an error prn reports (exit 74 for
// the run log), not kill the process with SIGXFSZ.
signal(SIGXFSZ, SIG_IGN)
PrnCommand.main()
