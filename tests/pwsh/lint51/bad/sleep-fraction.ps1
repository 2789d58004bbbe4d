# expect: sleep-fraction 4
# expect: sleep-fraction 5
# Start-Sleep -Seconds is an [int] in 5.1.
Start-Sleep -Seconds 0.5
Start-Sleep 1.5
