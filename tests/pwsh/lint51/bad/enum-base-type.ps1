# expect: enum-base-type 3
# An enum with an underlying type (PowerShell 6.2).
enum StartMode : byte { Boot = 0; System = 1; Automatic = 2 }
