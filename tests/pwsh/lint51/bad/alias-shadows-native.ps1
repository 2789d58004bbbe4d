# expect: alias-shadows-native 4
# expect: alias-shadows-native 5
# In 5.1 'sc' is Set-Content and 'curl' is Invoke-WebRequest, not the programs.
sc query WsusService
curl -s http://localhost:8530/
