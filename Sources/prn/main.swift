import ArgumentParser
import Foundation
import Runtime

PrnCommand.main()
