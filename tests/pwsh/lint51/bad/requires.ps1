#requires -Version 7.2
# expect: requires 1
# 5.1 refuses to run a script that requires PowerShell 7.
Get-Service -Name WsusService
