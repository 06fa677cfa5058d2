# Load the HTTP requests module
import requests

# Define the endpoint to use
url = "http://127.0.0.1:8080/molpro/credit/purchase"

# Define credentials
myusername = 'awesomeuser'
mypassword = 'gReAt/PaSsWoRd123'

# Set up parameters for calling the endpoint
data = {'billingName' : 'Awesome User',
        'billingAddress1' : '221B Baker St',
        'billingCity' : 'Springfield',
        'billingState' : 'MO',
        'billingZip' : '34567',
        'billingAmount' : '10',
        'billingNumber' : '4111111111111111',
        'billingMonth' : '12',
        'billingYear' : '2030',
        'billingCvv' : '123',
        'billingCcType' : 'VI'
       }

# Make the POST call
r = requests.post(url, auth=(myusername, mypassword), data=data)

# Display the result - a success should return status_code 200
print(r.status_code)

# Display the full XML returned.
print(r.text)
