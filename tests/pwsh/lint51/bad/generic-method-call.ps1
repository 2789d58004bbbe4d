# expect: generic-method-call 3
# Type arguments on a method call (PowerShell 7.3).
$empty = [System.Array]::Empty[string]()
