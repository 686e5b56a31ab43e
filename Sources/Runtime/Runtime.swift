import Engine
import Language
import Pruning
